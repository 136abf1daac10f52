"""The command-line front: fathom ingest | ask | doctor | models."""
