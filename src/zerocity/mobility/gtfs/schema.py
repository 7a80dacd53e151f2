"""The GTFS Schedule files ZeroCity reads and checks, as data: each field's type, whether it is
required, its allowed values, the file's primary key and the fields that refer to another
file. Taken from the GTFS reference (google/transit, gtfs/spec/en/reference.md) as the
MobilityData validator reads it; conditional requirements (a stop's position, an agency id when
there are several agencies, transfer fields by type) are rules in ``rules.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

# field kinds
ID, TEXT, URL, EMAIL, PHONE, TIMEZONE, LANG, CURRENCY = (
    "id", "text", "url", "email", "phone", "timezone", "language", "currency")
COLOR, DATE, TIME, LAT, LON, INT, FLOAT, ENUM, AMOUNT = (
    "color", "date", "time", "latitude", "longitude", "integer", "float", "enum", "amount")
NUMERIC = (LAT, LON, INT, FLOAT, ENUM, AMOUNT)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = TEXT
    required: bool = False
    values: tuple[int, ...] = ()  # ENUM: the values the spec defines
    minimum: float | None = None  # inclusive (0 for "non-negative")
    positive: bool = False
    refers: tuple[str, str] | None = None  # (file, field) it is a foreign key to


@dataclass(frozen=True)
class Table:
    name: str  # the file without ".txt"
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()
    required: bool = False

    @property
    def file(self) -> str:
        return f"{self.name}.txt"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _f(name: str, kind: str = TEXT, *, required: bool = False, values: tuple[int, ...] = (),
       minimum: float | None = None, positive: bool = False,
       refers: tuple[str, str] | None = None) -> Field:
    return Field(name, kind, required, values, minimum, positive, refers)


def _enum(name: str, top: int, *, required: bool = False, first: int = 0) -> Field:
    return _f(name, ENUM, required=required, values=tuple(range(first, top + 1)))


def _ref(name: str, table: str, field: str, *, required: bool = False) -> Field:
    return _f(name, ID, required=required, refers=(table, field))


STOP = ("stops", "stop_id")
TRIP = ("trips", "trip_id")
ROUTE = ("routes", "route_id")
AGENCY = ("agency", "agency_id")
# route_type: the basic types and the extended (Google) ones a European feed uses; any other
# value is a warning (unexpected_enum_value), not an error
ROUTE_TYPES = (0, 1, 2, 3, 4, 5, 6, 7, 11, 12, *range(100, 118), *range(200, 210),
               *range(400, 406), *range(700, 717), 800, *range(900, 907), 1000, 1100,
               *range(1200, 1203), *range(1300, 1308), 1400, *range(1500, 1508), 1700, 1702)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("agency", required=True, key=("agency_id",), fields=(
        _f("agency_id", ID), _f("agency_name", required=True),
        _f("agency_url", URL, required=True), _f("agency_timezone", TIMEZONE, required=True),
        _f("agency_lang", LANG), _f("agency_phone", PHONE), _f("agency_fare_url", URL),
        _f("agency_email", EMAIL), _enum("cemv_support", 2))),
    Table("stops", required=True, key=("stop_id",), fields=(
        _f("stop_id", ID, required=True), _f("stop_code"), _f("stop_name"), _f("tts_stop_name"),
        _f("stop_desc"), _f("stop_lat", LAT), _f("stop_lon", LON), _f("zone_id", ID),
        _f("stop_url", URL), _enum("location_type", 4), _ref("parent_station", *STOP),
        _f("stop_timezone", TIMEZONE), _enum("wheelchair_boarding", 2),
        _ref("level_id", "levels", "level_id"), _f("platform_code"), _enum("stop_access", 1))),
    Table("routes", required=True, key=("route_id",), fields=(
        _f("route_id", ID, required=True), _ref("agency_id", *AGENCY),
        _f("route_short_name"), _f("route_long_name"), _f("route_desc"),
        _f("route_type", ENUM, required=True, values=ROUTE_TYPES), _f("route_url", URL),
        _f("route_color", COLOR), _f("route_text_color", COLOR),
        _f("route_sort_order", INT, minimum=0), _enum("continuous_pickup", 3),
        _enum("continuous_drop_off", 3), _f("network_id", ID), _enum("cemv_support", 2))),
    Table("trips", required=True, key=("trip_id",), fields=(
        _ref("route_id", *ROUTE, required=True), _f("service_id", ID, required=True),
        _f("trip_id", ID, required=True), _f("trip_headsign"), _f("trip_short_name"),
        _enum("direction_id", 1), _f("block_id", ID), _ref("shape_id", "shapes", "shape_id"),
        _enum("wheelchair_accessible", 2), _enum("bikes_allowed", 2),
        _enum("cars_allowed", 2))),
    Table("stop_times", required=True, key=("trip_id", "stop_sequence"), fields=(
        _ref("trip_id", *TRIP, required=True), _f("arrival_time", TIME),
        _f("departure_time", TIME), _ref("stop_id", *STOP), _f("location_group_id", ID),
        _f("location_id", ID), _f("stop_sequence", INT, required=True, minimum=0),
        _f("stop_headsign"), _f("start_pickup_drop_off_window", TIME),
        _f("end_pickup_drop_off_window", TIME), _enum("pickup_type", 3),
        _enum("drop_off_type", 3), _enum("continuous_pickup", 3),
        _enum("continuous_drop_off", 3), _f("shape_dist_traveled", FLOAT, minimum=0),
        _enum("timepoint", 1), _f("pickup_booking_rule_id", ID),
        _f("drop_off_booking_rule_id", ID))),
    Table("calendar", key=("service_id",), fields=(
        _f("service_id", ID, required=True),
        *(_enum(day, 1, required=True) for day in (
            "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")),
        _f("start_date", DATE, required=True), _f("end_date", DATE, required=True))),
    Table("calendar_dates", key=("service_id", "date"), fields=(
        _f("service_id", ID, required=True), _f("date", DATE, required=True),
        _enum("exception_type", 2, required=True, first=1))),
    Table("frequencies", key=("trip_id", "start_time"), fields=(
        _ref("trip_id", *TRIP, required=True), _f("start_time", TIME, required=True),
        _f("end_time", TIME, required=True),
        _f("headway_secs", INT, required=True, positive=True), _enum("exact_times", 1))),
    Table("transfers", key=("from_stop_id", "to_stop_id", "from_trip_id", "to_trip_id",
                            "from_route_id", "to_route_id"), fields=(
        _ref("from_stop_id", *STOP), _ref("to_stop_id", *STOP),
        _ref("from_route_id", *ROUTE), _ref("to_route_id", *ROUTE),
        _ref("from_trip_id", *TRIP), _ref("to_trip_id", *TRIP),
        _enum("transfer_type", 5), _f("min_transfer_time", INT, minimum=0))),
    Table("shapes", key=("shape_id", "shape_pt_sequence"), fields=(
        _f("shape_id", ID, required=True), _f("shape_pt_lat", LAT, required=True),
        _f("shape_pt_lon", LON, required=True),
        _f("shape_pt_sequence", INT, required=True, minimum=0),
        _f("shape_dist_traveled", FLOAT, minimum=0))),
    Table("feed_info", fields=(
        _f("feed_publisher_name", required=True), _f("feed_publisher_url", URL, required=True),
        _f("feed_lang", LANG, required=True), _f("default_lang", LANG),
        _f("feed_start_date", DATE), _f("feed_end_date", DATE), _f("feed_version"),
        _f("feed_contact_email", EMAIL), _f("feed_contact_url", URL))),
    Table("levels", key=("level_id",), fields=(
        _f("level_id", ID, required=True), _f("level_index", FLOAT, required=True),
        _f("level_name"))),
    Table("pathways", key=("pathway_id",), fields=(
        _f("pathway_id", ID, required=True), _ref("from_stop_id", *STOP, required=True),
        _ref("to_stop_id", *STOP, required=True),
        _enum("pathway_mode", 7, required=True, first=1),
        _enum("is_bidirectional", 1, required=True), _f("length", FLOAT, minimum=0),
        _f("traversal_time", INT, positive=True), _f("stair_count", INT),
        _f("max_slope", FLOAT), _f("min_width", FLOAT, positive=True), _f("signposted_as"),
        _f("reversed_signposted_as"))),
    Table("attributions", key=("attribution_id",), fields=(
        _f("attribution_id", ID), _ref("agency_id", *AGENCY), _ref("route_id", *ROUTE),
        _ref("trip_id", *TRIP), _f("organization_name", required=True),
        _enum("is_producer", 1), _enum("is_operator", 1), _enum("is_authority", 1),
        _f("attribution_url", URL), _f("attribution_email", EMAIL),
        _f("attribution_phone", PHONE))),
    Table("fare_attributes", key=("fare_id",), fields=(
        _f("fare_id", ID, required=True), _f("price", AMOUNT, required=True, minimum=0),
        _f("currency_type", CURRENCY, required=True),
        _enum("payment_method", 1, required=True), _enum("transfers", 2),
        _ref("agency_id", *AGENCY), _f("transfer_duration", INT, minimum=0))),
    Table("fare_rules", fields=(
        _ref("fare_id", "fare_attributes", "fare_id", required=True), _ref("route_id", *ROUTE),
        _ref("origin_id", "stops", "zone_id"), _ref("destination_id", "stops", "zone_id"),
        _ref("contains_id", "stops", "zone_id"))),
    Table("translations", fields=(
        _f("table_name", required=True), _f("field_name", required=True),
        _f("language", LANG, required=True), _f("translation", required=True),
        _f("record_id", ID), _f("record_sub_id", ID), _f("field_value"))),
)}

# Files of the GTFS reference that ZeroCity keeps as they are without checking their content
# (fares v2, flexible services, networks): not "unknown" files.
KEPT_UNCHECKED = frozenset({
    "timeframes", "rider_categories", "fare_media", "fare_products", "fare_leg_rules",
    "fare_leg_join_rules", "fare_transfer_rules", "areas", "stop_areas", "networks",
    "route_networks", "location_groups", "location_group_stops", "booking_rules"})
OTHER_SPEC_FILES = frozenset({"locations.geojson"})

# the order files are reported in
ORDER = ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates",
         "frequencies", "transfers", "shapes", "feed_info", "levels", "pathways",
         "attributions", "fare_attributes", "fare_rules", "translations")
