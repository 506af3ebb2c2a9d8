// PlaygroundState — what one point edit of the dynamics playground changes: the data set choice, the
// sampling settings and the points they produced (plus the user's own edits). A plain value: the undo
// steps (PanelStateCommand) keep one from before and one from after each edit.
#pragma once
#include "widgets/dynamics/DynamicsModel.h"

namespace ntk::gui {

struct PlaygroundState {
  DynamicsDataset dataset = DynamicsDataset::SumOfSines;
  int count = 32;          ///< training points sampled
  int trainPercent = 50;   ///< training share of the data set (held-out points: heldOutCount)
  double noise = 0.0;      ///< label-noise std σ
  bool random = false;     ///< 1-D: random instead of evenly spaced training x's
  int seed = 1;
  PointSet points;
};

} // namespace ntk::gui
