// FiniteDynamicsFigure — the dynamics figure (computeDynamicsFigure) with trained finite networks drawn
// over the NTK-GP posterior, computed synchronously (headless demo, tests).
// In: a figure computed by computeDynamicsFigure (its points and 2/λ_max), the network, widths, seeds,
// linearised too, the time t. GD with η = ½·2/λ_max for s = round(t/η) steps (core trainFiniteNetworks).
// Out: the figure's regression plot gains the finite networks' curves (FiniteOverlay) and a title that
// says which step; false with `error` when the core refuses (the figure is then unchanged).
#pragma once
#include <vector>

#include <QString>

#include "core/network/Network.h"
#include "widgets/dynamics/DynamicsModel.h"

namespace ntk::gui {

bool addFiniteNetworks(DynamicsFigure& figure, const Network& net, const std::vector<int>& widths, int seeds,
                       bool linearised, double time, QString* error = nullptr);

} // namespace ntk::gui
