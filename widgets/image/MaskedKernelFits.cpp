// MaskedKernelFits.cpp — see MaskedKernelFits.h.
#include "widgets/image/MaskedKernelFits.h"

#include <chrono>
#include <limits>

#include "core/image/MaskedImageRegression.h"

namespace ntk::gui {

KernelFitResult computeMaskedKernelFits(const Network& net, const Image& image, const std::vector<bool>& trainMask, double ridge,
                                        bool ntk, bool nngp, const JobFlags& flags)
{
  KernelFitResult r;
  const auto t0 = std::chrono::steady_clock::now();
  r.bicubicPsnrHeldOut = std::numeric_limits<double>::quiet_NaN();
  catchJobErrors(
      [&] {
        std::vector<KernelKind> kinds;
        if (ntk) kinds.push_back(KernelKind::Ntk);
        if (nngp) kinds.push_back(KernelKind::Nngp);
        r.heldOutMask = trainMask;
        r.heldOutMask.flip(); // the complement
        const double share = kinds.empty() ? 1.0 : 1.0 / double(kinds.size());
        for (std::size_t i = 0; i < kinds.size(); ++i) {
          MaskedRegressionOptions options;
          options.kind = kinds[i];
          options.ridge = ridge;
          const double from = share * double(i);
          auto regression = std::make_shared<MaskedImageRegression>(net, image, trainMask, options, flags.control(from, 0.8 * share));
          KernelImageFit fit;
          fit.kind = kinds[i];
          MaskedRegressionReport report;
          fit.prediction = regression->predict(&report, flags.control(from + 0.8 * share, 0.2 * share));
          fit.report.cgIterations = report.cgIterations;
          fit.report.seconds = report.seconds;
          fit.report.psnrTrain = report.psnrTrain;
          fit.report.psnrHeldOut = report.psnrHeldOut;
          fit.report.psnrAll = report.psnrAll;
          fit.masked = std::move(regression);
          r.fits.push_back(std::move(fit));
        }
      },
      &r.cancelled, &r.error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

Image kernelFlowAt(const KernelImageFit& fit, double t, const JobControl& job)
{
  return fit.masked ? fit.masked->predictAt(t, job) : fit.regression->predictAt(t, job);
}

bool fitHasTime(const KernelImageFit& fit) { return fit.masked || (fit.regression && fit.regression->timeSupported()); }

long long fitTrainPixels(const KernelImageFit& fit)
{
  return fit.masked ? (long long)fit.masked->trainPixels() : fit.regression ? (long long)fit.regression->dataset().trainX.rows() : 0;
}

QString fitPathName(const KernelImageFit& fit)
{
  return fit.masked ? QStringLiteral("masked") : QString::fromStdString(regressionPathName(fit.report.path));
}

const void* fitSolver(const KernelImageFit& fit)
{
  return fit.masked ? static_cast<const void*>(fit.masked.get()) : static_cast<const void*>(fit.regression.get());
}

} // namespace ntk::gui
