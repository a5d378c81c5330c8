"""What identity's handlers reach through ``req.state.extras["identity"]``."""

import dataclasses

from sovra_identity.service.credential import CredentialKeys
from sovra_identity.service.revocation import Revoker
from sovra_identity.service.token import TokenProvider
from sovra_identity.service.user import PasswordPolicy


@dataclasses.dataclass
class IdentityState:
    db: object                      # sovra_common.db.Database
    tokens: TokenProvider
    revoker: Revoker
    passwords: PasswordPolicy
    transport: object = None        # the notification transport (closed at stop)
    credentials: CredentialKeys | None = None
