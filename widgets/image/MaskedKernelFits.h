// MaskedKernelFits — the image panel's kernel fits on a training mask (inpainting: a random fraction of the
// pixels or a painted mask) instead of the stride grid, and what the panel asks of a fit whichever solver
// made it (stride grid: ImageKernelRegression; mask: MaskedImageRegression).
// In: the network (input_dim 2, a stationary encoding), the image, the mask (H·W, row-major, true = training
// pixel), the relative ridge and which kernels. Out: a KernelFitResult as computeKernelFits gives, with the
// held-out mask the mask's complement, no bicubic picture (bicubic interpolation is only defined on the stride
// grid: bicubic stays empty, its PSNR NaN) and no power spectrum (the kernel's spectrum on a training grid).
// Thread-safety: free functions of their inputs; computeMaskedKernelFits and kernelFlowAt run on worker threads.
#pragma once
#include <vector>

#include <QString>

#include "widgets/image/ImageModel.h"

namespace ntk::gui {

/// Exact NTK and/or NNGP regression on the masked pixels (conjugate gradients with the FFT product).
/// Never throws: errors (encoding none, an empty mask, memory) and cancellation are in the result.
KernelFitResult computeMaskedKernelFits(const Network& net, const Image& image, const std::vector<bool>& trainMask, double ridge,
                                        bool ntk, bool nngp, const JobFlags& flags);

/// The fit's gradient-flow prediction at time t (t = ∞: the regression). Throws like predictAt.
Image kernelFlowAt(const KernelImageFit& fit, double t, const JobControl& job);
/// Whether the fit has predictions at finite t (a masked fit always: Chebyshev).
bool fitHasTime(const KernelImageFit& fit);
/// Training pixels of the fit.
long long fitTrainPixels(const KernelImageFit& fit);
/// "circulant", "toeplitz", "dense", … or "masked".
QString fitPathName(const KernelImageFit& fit);
/// The solver behind the fit (to tell whether a time evaluation is for the fit shown).
const void* fitSolver(const KernelImageFit& fit);

} // namespace ntk::gui
