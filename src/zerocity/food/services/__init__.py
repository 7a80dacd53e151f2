"""Every write of local food procurement, one module per part of the procedure: the only
way the site, the API, the command line and the demo change anything.

- ``dps``: the Dynamic Purchasing System, its set-up and publication, operators, requests to
  participate and their decisions, renewed self-declarations, procedural messages, the timer;
- ``tendering``: specific procurements, invitations, sealed tenders and their opening under
  dual control, clarifications, abnormally low prices, scoring and award, award notices;
- ``outcomes``: contracts per institution, deliveries, and handing the outcomes to the data
  platform;
- ``catalogue``: the suppliers' catalogue.

Each is one transaction per service, locks what it changes, re-checks state, is idempotent
where a person could send twice and records who did what in the audit log. Reads are in
``food.selectors``; time limits in ``food.deadlines`` and national law in ``food.law`` are
pure.
"""
