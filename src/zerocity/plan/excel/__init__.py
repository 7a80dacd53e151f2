"""The action plan as an .xlsx workbook that people edit and send back.

``export_plan`` writes one sheet per table: the plan, the actions with every field of the CCC
action outline (B-2.2), their yearly costs (C-3.1, the investment plan), milestones, the MEL
indicators (B-3) with their targets, observations, and the vocabularies (read-only).
``import_plan`` reads such a workbook back under the house rules of the inventory import:
every problem is reported as ``Sheet!row N, column "Header": reason``, a workbook with any
error is refused whole (``ImportRejected``) and nothing is stored, and sending the same
workbook again writes nothing and records nothing.

How the workbook is applied:

* a row of Actions or Indicators creates or updates that action or indicator; one that is in
  the plan but not in the workbook is kept and named in a warning (deleting an action is not
  something a missing spreadsheet row should do);
* the reductions, costs and milestones of an action in the Actions sheet, and the targets and
  linked actions of an indicator in the Indicators sheet, become exactly what the workbook
  lists: a cost row whose funding source was renamed must replace the old row, not double it;
* observations are added or corrected through ``services.record_observation`` (each audited);
  one not in the workbook is kept;
* a column left out of a sheet leaves that field as it is (Code, Name and the other required
  columns excepted); the Fields, Levers and Departments sheets are for reading only.

A refused workbook is not kept in quarantine: the inventory's quarantine (``RejectedImport``)
is keyed by inventory year and shown as refused activity-data files, so it is no place for it.
"""

from zerocity.plan.excel.export import export_plan
from zerocity.plan.excel.importing import ImportResult, import_plan

__all__ = ["ImportResult", "export_plan", "import_plan"]
