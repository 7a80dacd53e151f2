"""One way to write a date, a time and a number per language (FORMAT_MODULE_PATH): every page
and every ``|day``, ``|when``, ``|date:"SHORT_DATE_FORMAT"`` agrees. Slovenian follows the
Slovenian orthography (5. 12. 2026, 08:26; 1.234,5), English the European style
(5 Dec 2026, 08:26; 1,234.5)."""
