// fixture for core_has_no_qt_selfcheck_vtk: must be flagged
#include <vector>
  #  include "vtkSmartPointer.h"
