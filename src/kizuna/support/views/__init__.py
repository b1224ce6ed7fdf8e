"""Support pages: the inbox, the ticket page with its conversation, settings, and the public survey page."""
