// SweepImageCommand.cpp — `ntk-cli sweep-image`: Tancik et al. (2020)'s encoding table for one image
// (ntk::sweepImageEncodings): exact NTK/NNGP regression with no encoding, basic, positional and Gaussian
// Fourier features at a range of σ, train and held-out PSNR of each, and bicubic as the baseline
// (CONVENTIONS §5).
// In: --image IMG.png, --net NET.json (optional: the architecture; every row replaces its encoding),
// --stride s, --kind ntk|nngp, --ridge r|auto, --sigmas a,b,… or --sigma-range lo:hi:n (log-spaced),
// --encodings none,basic,positional,gaussian; --mlp-steps N (> 0: every row also trains the finite network
// N steps, MlpTrainer's Adam schedule) with --mlp-lr η, --mlp-batch b, --seed s.
// Out: the table on stdout (one aligned line per row, then bicubic); --out TABLE.csv (header line, one
// row per fit, then a `bicubic` row); --report R.json (the same rows, bicubic, seconds, the settings).
// With --mlp-steps the table gets the columns "MLP train" and "MLP held-out", the CSV the columns
// mlp_psnr_train … mlp_status after the kernel's, every JSON row an object `mlp` and the report `mlp_settings`.
// Progress on stderr; bad input is one line on stderr, exit 2, nothing written (main.cpp).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "core/image/Image.h"
#include "core/image/ImageEncodingSweep.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

struct SweepImageOptions {
  std::string image, net, kind = "ntk", ridge = "1e-6", sigmas, sigmaRange, encodings = "none,basic,positional,gaussian";
  std::string out, report, mlpLr = "0.03";
  int stride = 2, mlpSteps = 0, mlpBatch = ntk::MlpOptions{}.batchSize;
  std::uint64_t seed = 0;
};

std::vector<std::string> splitList(const std::string& text, char sep)
{
  std::vector<std::string> parts;
  std::string cur;
  std::istringstream in(text);
  while (std::getline(in, cur, sep)) parts.push_back(cur);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

std::vector<double> parseSigmas(const SweepImageOptions& o)
{
  std::vector<double> sigmas;
  if (!o.sigmas.empty()) {
    for (const std::string& t : splitList(o.sigmas, ',')) sigmas.push_back(parseNumber(t, "--sigmas"));
  } else if (!o.sigmaRange.empty()) {
    const std::vector<std::string> p = splitList(o.sigmaRange, ':');
    if (p.size() != 3) throw ntk::InputError("--sigma-range must be lo:hi:n (got '" + o.sigmaRange + "')");
    const double lo = parseNumber(p[0], "--sigma-range"), hi = parseNumber(p[1], "--sigma-range");
    const double n = parseNumber(p[2], "--sigma-range");
    if (!(lo > 0.0) || !(hi >= lo) || !std::isfinite(hi))
      throw ntk::InputError("--sigma-range needs 0 < lo <= hi (got '" + o.sigmaRange + "')");
    if (!(n >= 1.0 && n <= 1000.0) || n != std::floor(n))
      throw ntk::InputError("--sigma-range: n must be an integer in [1, 1000] (got '" + p[2] + "')");
    for (int i = 0; i < int(n); ++i) sigmas.push_back(n == 1.0 ? lo : lo * std::pow(hi / lo, double(i) / (n - 1.0)));
  } else {
    return ntk::EncodingSweepOptions{}.sigmas;
  }
  for (const double s : sigmas)
    if (!std::isfinite(s) || s <= 0.0) throw ntk::InputError("every σ must be a finite number > 0 (--sigmas)");
  return sigmas;
}

std::vector<ntk::EncodingKind> parseEncodings(const std::string& text)
{
  std::vector<ntk::EncodingKind> kinds;
  for (const std::string& t : splitList(text, ',')) {
    if (t == "none") kinds.push_back(ntk::EncodingKind::None);
    else if (t == "basic") kinds.push_back(ntk::EncodingKind::Basic);
    else if (t == "positional") kinds.push_back(ntk::EncodingKind::Positional);
    else if (t == "gaussian") kinds.push_back(ntk::EncodingKind::Gaussian);
    else throw ntk::InputError("--encodings: unknown encoding '" + t + "' (none, basic, positional, gaussian)");
  }
  return kinds;
}

std::string status(const ntk::EncodingSweepRow& r)
{
  if (r.computed) return "ok";
  return r.note.rfind("skipped", 0) == 0 ? "skipped" : "failed";
}

std::string mlpStatus(const ntk::EncodingSweepMlp& m) { return m.computed ? "ok" : "failed"; }

/// A CSV cell: 17 significant digits, empty for a number that does not exist.
std::string csvNumber(double v, bool exists = true) { return exists && std::isfinite(v) ? jsonNumber(v) : ""; }

/// A CSV text cell, quoted when it holds a comma or a quote.
std::string csvText(const std::string& s)
{
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string psnrText(double v, bool exists)
{
  if (!exists) return "-";
  if (!std::isfinite(v)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

/// One aligned table line: the kernel's columns, then the MLP's two when `mlp` (the sweep trained MLPs).
std::string tableLine(const std::string& enc, const std::string& sigma, const std::string& ridge, const std::string& path,
                      const std::string& train, const std::string& heldOut, const std::string* mlpTrain,
                      const std::string* mlpHeldOut, const std::string& note)
{
  char line[512];
  std::snprintf(line, sizeof line, "%-11s %8s %9s %10s %11s %13s", enc.c_str(), sigma.c_str(), ridge.c_str(), path.c_str(),
                train.c_str(), heldOut.c_str());
  std::string text = line;
  if (mlpTrain) {
    std::snprintf(line, sizeof line, " %10s %12s", mlpTrain->c_str(), mlpHeldOut->c_str());
    text += line;
  }
  return text + "  " + note + "\n";
}

ntk::EncodingSweepOptions sweepOptions(const SweepImageOptions& o)
{
  ntk::EncodingSweepOptions options;
  options.kind = o.kind == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp;
  if (o.ridge == "auto") {
    options.ridge = std::nan("");
  } else {
    options.ridge = parseNumber(o.ridge, "--ridge");
    if (!std::isfinite(options.ridge) || options.ridge < 0.0)
      throw ntk::InputError("--ridge must be a finite number >= 0 or auto (got '" + o.ridge + "')");
  }
  if (!o.sigmas.empty() && !o.sigmaRange.empty()) throw ntk::InputError("give --sigmas or --sigma-range, not both");
  options.sigmas = parseSigmas(o);
  options.encodings = parseEncodings(o.encodings);
  options.mlpSteps = o.mlpSteps;
  options.mlp.learningRate = parseNumber(o.mlpLr, "--mlp-lr");
  if (!std::isfinite(options.mlp.learningRate) || options.mlp.learningRate <= 0.0)
    throw ntk::InputError("--mlp-lr must be a finite number > 0 (got '" + o.mlpLr + "')");
  options.mlp.batchSize = o.mlpBatch;
  options.mlp.seed = o.seed;
  return options;
}

int runSweepImage(const SweepImageOptions& o)
{
  const ntk::EncodingSweepOptions options = sweepOptions(o);
  ntk::Network base = ntk::Network::defaultNetwork(2).withHiddenWidth(256);
  if (!o.net.empty()) base = ntk::loadNetwork(o.net);
  if (base.inputDim != 2)
    throw ntk::InputError((o.net.empty() ? std::string("the network") : o.net) + " has input_dim " +
                          std::to_string(base.inputDim) + "; sweep-image needs input_dim 2 (the pixel coordinate)");
  const ntk::Image image = ntk::readPng(o.image);

  Progress progress("sweep-image");
  progress.setDetail("fitting " + std::to_string(image.width) + " x " + std::to_string(image.height) + ", stride " +
                     std::to_string(o.stride) + (o.mlpSteps > 0 ? ", MLPs " + std::to_string(o.mlpSteps) + " steps" : ""));
  const ntk::EncodingSweepResult result = ntk::sweepImageEncodings(base, image, o.stride, options, progress.job());
  progress.finish();

  const bool mlp = o.mlpSteps > 0;
  const std::string mlpTrainHead = "MLP train", mlpHeldHead = "MLP held-out", dash = "-";
  std::ostringstream csv, json, table;
  csv << "encoding,sigma,ridge,path,cg_iterations,psnr_train,psnr_heldout,psnr_test,seconds,status,note"
      << (mlp ? ",mlp_psnr_train,mlp_psnr_heldout,mlp_psnr_test,mlp_seconds,mlp_status,mlp_note" : "") << "\n";
  table << tableLine("encoding", "sigma", "ridge", "path", "PSNR train", "PSNR held-out", mlp ? &mlpTrainHead : nullptr,
                     &mlpHeldHead, "note");
  json << "{\n  \"width\": " << image.width << ",\n  \"height\": " << image.height << ",\n  \"channels\": "
       << image.channels << ",\n  \"stride\": " << o.stride << ",\n  \"kind\": " << jsonString(o.kind)
       << ",\n  \"ridge\": " << (o.ridge == "auto" ? std::string("\"auto\"") : jsonNumber(options.ridge))
       << ",\n  \"network\": " << jsonString(base.summary()) << ",\n  \"seconds\": " << jsonNumber(result.seconds);
  if (mlp)
    json << ",\n  \"mlp_settings\": {\"steps\": " << o.mlpSteps << ", \"lr\": " << jsonNumber(options.mlp.learningRate)
         << ", \"batch\": " << o.mlpBatch << ", \"seed\": " << o.seed << ", \"warmup\": " << options.mlp.schedule.warmupSteps
         << ", \"half_life\": " << jsonNumber(options.mlp.schedule.halfLife)
         << ", \"lr_floor\": " << jsonNumber(options.mlp.schedule.floor) << "}";
  json << ",\n  \"rows\": [";
  for (std::size_t i = 0; i < result.rows.size(); ++i) {
    const ntk::EncodingSweepRow& r = result.rows[i];
    const ntk::EncodingSweepMlp& m = r.mlp;
    const std::string enc = ntk::Encoding::kindName(r.encoding), path = r.computed ? ntk::regressionPathName(r.path) : "";
    csv << enc << ',' << csvNumber(r.sigma) << ',' << csvNumber(r.ridge, r.computed) << ',' << path << ','
        << (r.computed ? std::to_string(r.cgIterations) : "") << ',' << csvNumber(r.psnrTrain, r.computed) << ','
        << csvNumber(r.psnrHeldOut, r.computed) << ',' << csvNumber(r.psnrAll, r.computed) << ','
        << csvNumber(r.seconds, r.computed) << ',' << status(r) << ',' << csvText(r.note);
    if (mlp)
      csv << ',' << csvNumber(m.psnrTrain, m.computed) << ',' << csvNumber(m.psnrHeldOut, m.computed) << ','
          << csvNumber(m.psnrAll, m.computed) << ',' << csvNumber(m.seconds) << ',' << mlpStatus(m) << ',' << csvText(m.note);
    csv << '\n';
    char sigma[32], ridge[32];
    std::snprintf(sigma, sizeof sigma, "%.4g", r.sigma);
    std::snprintf(ridge, sizeof ridge, "%.3g", r.ridge);
    const std::string mlpTrain = psnrText(m.psnrTrain, m.computed), mlpHeld = psnrText(m.psnrHeldOut, m.computed);
    const std::string note = r.note + (mlp && !m.note.empty() ? (r.note.empty() ? "MLP " : "; MLP ") + m.note : "");
    table << tableLine(enc, std::isnan(r.sigma) ? "-" : sigma, r.computed ? ridge : "-", r.computed ? path : "-",
                       psnrText(r.psnrTrain, r.computed), psnrText(r.psnrHeldOut, r.computed), mlp ? &mlpTrain : nullptr,
                       &mlpHeld, note);
    json << (i ? ",\n    " : "\n    ") << "{\"encoding\": " << jsonString(enc) << ", \"sigma\": " << jsonNumber(r.sigma)
         << ", \"status\": " << jsonString(status(r)) << ", \"note\": " << jsonString(r.note);
    if (r.computed)
      json << ", \"ridge\": " << jsonNumber(r.ridge) << ", \"path\": " << jsonString(path)
           << ", \"cg_iterations\": " << r.cgIterations << ", \"psnr_train\": " << jsonNumber(r.psnrTrain)
           << ", \"psnr_heldout\": " << jsonNumber(r.psnrHeldOut) << ", \"psnr_test\": " << jsonNumber(r.psnrAll)
           << ", \"seconds\": " << jsonNumber(r.seconds);
    if (mlp) {
      json << ", \"mlp\": {\"status\": " << jsonString(mlpStatus(m)) << ", \"note\": " << jsonString(m.note)
           << ", \"steps\": " << m.steps << ", \"seconds\": " << jsonNumber(m.seconds);
      if (m.computed)
        json << ", \"psnr_train\": " << jsonNumber(m.psnrTrain) << ", \"psnr_heldout\": " << jsonNumber(m.psnrHeldOut)
             << ", \"psnr_test\": " << jsonNumber(m.psnrAll);
      json << "}";
    }
    json << "}";
  }
  csv << "bicubic,,,,," << csvNumber(result.bicubicPsnrTrain) << ',' << csvNumber(result.bicubicPsnrHeldOut) << ','
      << csvNumber(result.bicubicPsnrAll) << ",,ok,baseline" << (mlp ? ",,,,,," : "") << "\n";
  table << tableLine("bicubic", "-", "-", "-", psnrText(result.bicubicPsnrTrain, true),
                     psnrText(result.bicubicPsnrHeldOut, true), mlp ? &dash : nullptr, &dash, "baseline");
  json << "\n  ],\n  \"bicubic_psnr_train\": " << jsonNumber(result.bicubicPsnrTrain)
       << ",\n  \"bicubic_psnr_heldout\": " << jsonNumber(result.bicubicPsnrHeldOut)
       << ",\n  \"bicubic_psnr_test\": " << jsonNumber(result.bicubicPsnrAll) << "\n}\n";

  if (!o.out.empty()) writeText(o.out, csv.str());
  if (!o.report.empty()) {
    if (o.out.empty()) writeText(o.report, json.str());
    else writeReportOrRemoveResult(o.out, o.report, json.str());
  }
  std::fputs(table.str().c_str(), stdout);
  return 0;
}

} // namespace

Command addSweepImageCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto options = std::make_shared<SweepImageOptions>();
  auto* sub = app.add_subcommand(
      "sweep-image",
      "Tancik et al.'s encoding table for one image: exact kernel regression with no encoding, basic,\n"
      "positional and Gaussian Fourier features at a range of sigma, train and held-out PSNR of each, and\n"
      "bicubic as the baseline. Prints the table; --out writes it as CSV, --report as JSON.");
  sub->add_option("--image", options->image, "Input image (PNG; grey or RGB, alpha dropped)")->required();
  sub->add_option("--net", options->net,
                  "Network JSON (input_dim 2) whose layers every row uses, its encoding replaced (default: 3 x 256 "
                  "ReLU, W_std sqrt 2, b_std 0.1)")
      ->check(CLI::ExistingFile);
  sub->add_option("--stride", options->stride, "Train on every s-th pixel in each direction (default 2)")
      ->check(atLeast("--stride", 1));
  sub->add_option("--kind", options->kind, "ntk or nngp (default ntk)")->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--ridge", options->ridge,
                  "Ridge relative to the mean diagonal of the training Gram (default 1e-6), or auto: each row's by ml-quant (as fit-image --ridge auto)");
  auto* sigmas = sub->add_option("--sigmas", options->sigmas, "sigma values for positional and gaussian (default 2,4,8,16)");
  auto* range = sub->add_option("--sigma-range", options->sigmaRange, "lo:hi:n — n log-spaced sigma values from lo to hi");
  sigmas->excludes(range);
  sub->add_option("--encodings", options->encodings, "Comma-separated: none, basic, positional, gaussian (default all)");
  sub->add_option("--mlp-steps", options->mlpSteps,
                  "Also train the finite network (the --net layers and widths, each row's encoding) this many Adam "
                  "steps on the same training pixels: the MLP columns (default 0: kernel rows only)")
      ->check(atLeast("--mlp-steps", 0));
  auto* lr = sub->add_option("--mlp-lr", options->mlpLr,
                             "The MLPs' base learning rate (Adam, 20-step warm-up, halving every 300 steps to 5 %; "
                             "default 3e-2, as fit-image --method mlp)");
  auto* batch = sub->add_option("--mlp-batch", options->mlpBatch, "The MLPs' minibatch size (default 1024; 0 = full batch)")
                    ->check(atLeast("--mlp-batch", 0));
  auto* seed = sub->add_option("--seed", options->seed, "The MLPs' initialisation / minibatch seed (default 0)")->check(seedValue());
  sub->add_option("--out", options->out, "Output CSV table (columns in CONVENTIONS §5)");
  sub->add_option("--report", options->report, "Output JSON report");
  addThreads(sub);
  return {sub, [options, lr, batch, seed] {
            if (options->mlpSteps == 0)
              for (const CLI::Option* opt : {lr, batch, seed})
                if (opt->count() > 0) throw ntk::InputError(opt->get_name() + " applies with --mlp-steps N > 0 only");
            return runSweepImage(*options);
          }};
}

} // namespace ntkcli
