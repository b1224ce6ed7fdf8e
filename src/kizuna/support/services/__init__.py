"""Support services: intake (every channel's incoming messages), tickets (agents' writes), assignment, CSAT."""
