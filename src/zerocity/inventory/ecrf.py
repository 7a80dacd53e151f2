def is_ecrf_workbook(data):
    return False


def to_activity_csv(data):
    raise NotImplementedError


def export_workbook(inventory):
    raise NotImplementedError
