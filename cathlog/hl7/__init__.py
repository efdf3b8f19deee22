"""HL7 v2 over MLLP: the hospital's interface (issue 16).

Below the services, beside the store: pure message work and network code, no Qt, no database, no
services. ``inbound`` reads and validates ADT messages and makes acknowledgements; ``outbound``
builds the ORU^R01 / MDM^T02 report message; ``mllp`` is the listener (python-hl7's asyncio MLLP
streams) and a blocking sender with timeouts; ``text`` splits and escapes HL7 text. The services decide
what a message does to the record (``services.hl7_in`` / ``services.hl7_out``).
"""
