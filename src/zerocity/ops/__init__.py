"""Running ZeroCity unattended: the worker's jobs and schedules (``zerocity worker``) and the
backup and restore of a whole installation (``zerocity backup``, ``zerocity restore``).

Like the command line, this package sits at the edge: it calls the apps' services and no app
imports it."""
