"""DICOM networking (pynetdicom), below the services: cathlog's side of a conversation with the
hospital's DICOM systems. No Qt, no database, no role checks here: the services call in, check who may,
and audit what happened."""
