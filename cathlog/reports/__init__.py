"""Reports: ``data`` builds what a page says (plain dataclasses, tested in
depth), ``pdf`` renders it with ReportLab (the only place ReportLab is
imported), ``make`` ties them to the services and writes files atomically."""
