"""No models. The module exists so Django sends ``post_migrate`` for this app,
which creates the database cache table (see ``apps.py``)."""
