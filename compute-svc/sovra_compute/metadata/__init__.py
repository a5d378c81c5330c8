"""What a guest learns about itself, and the metadata API that serves it.

- ``content.py``: the OpenStack metadata layout (meta_data.json, user_data,
  network_data.json, vendor data), one implementation for the config drive
  (``virt/libvirt/configdrive.py``) and the metadata API; imports nothing heavy, so
  compute agents use it too;
- ``auth.py``: which server a proxied request is for (the proxy's signature);
- ``app.py``: the metadata API (``compute-metadata``, port 8775): the OpenStack and
  EC2-compatible trees over HTTP.
"""
