"""The library every Sovra service is built on: config, WSGI, auth, policy, db, rpc,
coordination. Knows no service's resources."""

import warnings

# oslo.messaging (through oslo.service) and etcd3gw (through futurist) import eventlet,
# which prints a deprecation banner on import. Sovra never uses eventlet; users of
# its commands should not see a warning about it.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated", category=Warning)
warnings.filterwarnings("ignore", message="eventletutils module is deprecated",
                        category=DeprecationWarning)
