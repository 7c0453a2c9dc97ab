"""The CRM domain: contacts, leads, companies, deals and notes, their rules and their writes.

- ``contacts``, ``leads``, ``companies``, ``deals``, ``notes``: the API's writes, one module per record kind,
  each in its own transaction, with the record rules (``ownership``) and the audit
- ``store``: the building blocks those share with the importer, the dropbox and the seeder
- ``records``: reads (by id within an organisation, searches, lists) and their JSON in batches;
  ``timeline``: a contact's mail, notes and meetings
- ``addresses``: an address belongs to one person of an organisation (409s); ``errors``: the refusals
- ``participants``: who an address is (lookup); ``serializers``: JSON shapes; ``importer``: CSV import
"""
