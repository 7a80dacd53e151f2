def export_workbook(inventory):
    raise NotImplementedError
