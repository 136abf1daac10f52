"""Fathom: chat with your own documents, locally."""

import os as _os

__version__ = "0.1.0"

# gRPC's C core (under pymilvus and milvus-lite) logs to stderr from its own threads, e.g.
# "Received a GOAWAY with error code ENHANCE_YOUR_CALM" during an ingestion. Fathom reports
# what fails itself (StoreError with a hint), so its processes start with gRPC's logging
# off; it is read once, when gRPC loads, hence here. GRPC_VERBOSITY=ERROR (or DEBUG, with
# GRPC_TRACE) set by a person still applies.
_os.environ.setdefault("GRPC_VERBOSITY", "NONE")
