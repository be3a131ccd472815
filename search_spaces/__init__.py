"""Built-in search spaces shipped with automl (YAML files in this folder)."""
