"""One router per resource of the PxWeb API: config, tables, data, codelists, and admin."""
