"""Configuration and credentials: ``settings.py`` (Settings, one precedence: flag > environment >
profile > file > default), ``file.py`` (the TOML file and its profiles), ``values.py`` (value
checks), ``credentials.py`` (which credentials, in the documented order), ``keystore.py`` (the OS
keyring). Modules are imported one by one: this package's face is empty so ``--help`` stays cheap."""
