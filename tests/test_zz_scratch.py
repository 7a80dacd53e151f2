import pytest

CSV = """gpc_ref,activity,amount,unit,fuel,ef_co2,ef_unit,co2,ch4,co2e,notation_key,explanation,ie_ref,data_quality,source
I.1.1,Gas boilers in homes,,,,,,1000,,,,,,M,test
I.1.2,Electricity in homes,2000,MWh,,0.5,MWh,,,,,,,M,test
II.1.1,Cars,,,,,,500,,,,,,M,test
III.1.1,Landfill,,,,,,200,,,,,,M,test
"""

@pytest.mark.django_db
def test_x(city):
    from zerocity.inventory import services
    from zerocity.inventory.selectors import summary
    from zerocity.pathways import rows_from_summary
    inv = services.import_activity_file(city, 2020, CSV.encode(), "a.csv").inventory
    for r in rows_from_summary(summary(inv)["rows"], gwp=inv.gwp):
        print(r)
