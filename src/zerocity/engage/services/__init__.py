"""Every write of the citizen platform, one module per part of it: the only way the site, the
API, the command line and the demo change anything.

- ``participation``: processes, proposals, supports, comments, reports and moderation;
- ``surveys``: surveys and their answers; ``budgets``: participatory budgets and ballots;
- ``news``: articles and events, and announcing them; ``notify``: follows, the inbox, mail
  settings and the digest;
- ``verification``: sign-up, e-mail confirmation, the resident check and its census file;
- ``awareness``: pledges and the footprint calculator; ``privacy``: the platform's part of a
  person's data download and deletion.

Reads are in ``engage.selectors``.
"""
