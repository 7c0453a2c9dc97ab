"""Copy CRM contacts to each user's Google Contacts (People API), one way, without overwriting edits made in Google."""
