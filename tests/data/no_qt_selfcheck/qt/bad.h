// fixture for core_has_no_qt_selfcheck_qt: must be flagged
#include <cmath>
#include <QString>
