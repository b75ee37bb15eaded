"""The user-group features that wrap the pipeline from outside: obligations, membership, draft
replies, export and the audit log."""
