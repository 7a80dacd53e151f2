"""Slovenian: days with spaced dots, no leading zero (Slovenski pravopis 2001)."""

DATE_FORMAT = "j. n. Y"
SHORT_DATE_FORMAT = "j. n. Y"
DATETIME_FORMAT = "j. n. Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "j. n. Y, H:i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
