// Image.cpp — PNG in/out through libpng and PSNR (see Image.h).
#include "core/image/Image.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include <png.h>

#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

Image::Image(int width_, int height_, int channels_) : width(width_), height(height_), channels(channels_)
{
  if (width_ < 0 || height_ < 0 || channels_ < 0) throw InputError("image size must not be negative");
  data.assign(std::size_t(width_) * std::size_t(height_) * std::size_t(channels_), 0.0f);
}

Eigen::MatrixXd Image::channel(int c) const
{
  if (c < 0 || c >= channels) throw InputError("image channel " + std::to_string(c) + " out of range");
  Eigen::MatrixXd m(height, width);
  for (int r = 0; r < height; ++r)
    for (int col = 0; col < width; ++col) m(r, col) = at(r, col, c);
  return m;
}

void Image::setChannel(int c, const Eigen::MatrixXd& values)
{
  if (c < 0 || c >= channels) throw InputError("image channel " + std::to_string(c) + " out of range");
  if (values.rows() != height || values.cols() != width)
    throw InputError("setChannel: a " + std::to_string(values.rows()) + " x " + std::to_string(values.cols()) +
                     " matrix for a " + std::to_string(height) + " x " + std::to_string(width) + " image");
  for (int r = 0; r < height; ++r)
    for (int col = 0; col < width; ++col) at(r, col, c) = float(values(r, col));
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const
  {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// libpng's error callback longjmps back into the function that called setjmp. The message is kept in
// a plain buffer (no C++ objects with destructors live between setjmp and longjmp in that frame).
struct PngErrorState {
  char message[256] = {0};
};

extern "C" void pngErrorFn(png_structp png, png_const_charp msg)
{
  auto* st = static_cast<PngErrorState*>(png_get_error_ptr(png));
  if (st) std::snprintf(st->message, sizeof st->message, "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

extern "C" void pngWarningFn(png_structp, png_const_charp) {}

// The setjmp-protected parts. No object with a destructor lives in these frames, so a longjmp from
// libpng skips nothing; every buffer is owned by the caller. They return false on a libpng error
// (message in the error state).
bool readPngHeader(std::FILE* f, png_structp png, png_infop info)
{
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, f);
  png_set_sig_bytes(png, 8);
  // Sizes are bounded by readPng's memory check on the IHDR before libpng runs (libpng's default limit
  // would refuse a large image with a bare "Invalid IHDR data" instead of the estimate).
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  png_read_info(png, info);
  const int colorType = png_get_color_type(png, info);
  const int bitDepth = png_get_bit_depth(png, info);
  // Normalise to grey or RGB, 8 or 16 bit, no alpha.
  if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  return true;
}

/// Bytes readPng needs for a w × h image read as `channels` samples of `bitDepth` bits: the float image
/// (4 bytes per value) plus the raw rows.
double pngReadBytes(double w, double h, int channels, int bitDepth)
{
  return w * h * channels * 4.0 + w * h * channels * (bitDepth == 16 ? 2.0 : 1.0);
}

/// The image size the IHDR chunk (right after the signature) claims, checked against the available memory
/// before libpng allocates anything for it. Leaves the file just past the signature; anything that is not
/// a well-formed IHDR is left to libpng to report.
void requireMemoryForIhdr(std::FILE* f, const std::string& path)
{
  unsigned char c[8 + 13] = {0}; // length, "IHDR", then width, height (big-endian), bit depth, colour type
  const bool ok = std::fread(c, 1, sizeof c, f) == sizeof c;
  std::fseek(f, 8, SEEK_SET);
  if (!ok || std::memcmp(c + 4, "IHDR", 4) != 0) return;
  const auto be32 = [&](int i) {
    return double((std::uint32_t(c[i]) << 24) | (std::uint32_t(c[i + 1]) << 16) | (std::uint32_t(c[i + 2]) << 8) |
                  c[i + 3]);
  };
  const double w = be32(8), h = be32(12);
  const int bitDepth = c[16], colorType = c[17];
  const int channels = (colorType & 2) ? 3 : 1; // RGB or palette → RGB; alpha is dropped
  if (w > 0 && h > 0)
    requireMemory(pngReadBytes(w, h, channels, bitDepth), "the " + std::to_string(std::uint64_t(w)) + " x " +
                                                                std::to_string(std::uint64_t(h)) + " image " + path);
}

bool readPngImage(png_structp png, png_bytepp rows)
{
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, nullptr);
  return true;
}

struct ReadStructs {
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadStructs() { png_destroy_read_struct(&png, info ? &info : nullptr, nullptr); }
};

} // namespace

Image readPng(const std::string& path)
{
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError("cannot open image " + path + ": " + std::strerror(errno));
  unsigned char sig[8] = {0};
  if (std::fread(sig, 1, 8, f.get()) != 8 || png_sig_cmp(sig, 0, 8) != 0)
    throw InputError(path + " is not a PNG file");
  requireMemoryForIhdr(f.get(), path);

  PngErrorState st;
  ReadStructs rs;
  rs.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, pngErrorFn, pngWarningFn);
  if (!rs.png) throw InputError("cannot read " + path + ": libpng initialisation failed");
  rs.info = png_create_info_struct(rs.png);
  if (!rs.info) throw InputError("cannot read " + path + ": libpng initialisation failed");
  const auto fail = [&] {
    return InputError("cannot read PNG " + path + ": " + (st.message[0] ? st.message : "corrupt file"));
  };
  if (!readPngHeader(f.get(), rs.png, rs.info)) throw fail();
  const png_uint_32 w = png_get_image_width(rs.png, rs.info);
  const png_uint_32 h = png_get_image_height(rs.png, rs.info);
  const int channels = png_get_channels(rs.png, rs.info);
  const int bitDepth = png_get_bit_depth(rs.png, rs.info);
  if (w == 0 || h == 0) throw InputError(path + " is an empty image");
  if (channels != 1 && channels != 3)
    throw InputError("cannot read PNG " + path + ": unsupported layout with " + std::to_string(channels) + " channels");
  const std::size_t rowBytes = png_get_rowbytes(rs.png, rs.info);
  // The float image dominates: 4 bytes per value, plus the raw rows.
  requireMemory(double(w) * double(h) * double(channels) * 4.0 + double(rowBytes) * double(h),
                "the " + std::to_string(w) + " x " + std::to_string(h) + " image " + path);
  std::vector<unsigned char> pixels(rowBytes * h);
  std::vector<png_bytep> rows(h);
  for (png_uint_32 r = 0; r < h; ++r) rows[r] = pixels.data() + std::size_t(r) * rowBytes;
  if (!readPngImage(rs.png, rows.data())) throw fail();

  Image img(int(w), int(h), channels);
  const std::size_t n = img.data.size();
  if (bitDepth == 16) {
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned v = (unsigned(pixels[2 * i]) << 8) | pixels[2 * i + 1]; // PNG: big-endian
      img.data[i] = float(v) / 65535.0f;
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) img.data[i] = float(pixels[i]) / 255.0f;
  }
  return img;
}

namespace {

bool writePngRows(std::FILE* f, png_structp png, png_infop info, const Image& image,
                  const std::vector<unsigned char>& pixels)
{
  if (setjmp(png_jmpbuf(png))) return false;
  png_init_io(png, f);
  png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const std::size_t rowBytes = std::size_t(image.width) * std::size_t(image.channels);
  for (int r = 0; r < image.height; ++r)
    png_write_row(png, const_cast<png_bytep>(pixels.data() + std::size_t(r) * rowBytes));
  png_write_end(png, nullptr);
  return true;
}

} // namespace

void writePng(const std::string& path, const Image& image)
{
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.data.size() != std::size_t(image.width) * image.height * image.channels)
    throw InputError("cannot write " + path + ": the image must be non-empty with 1 or 3 channels");
  std::vector<unsigned char> pixels(image.data.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    float v = image.data[i];
    if (!(v > 0.0f)) v = 0.0f; // NaN → 0
    if (v > 1.0f) v = 1.0f;
    pixels[i] = static_cast<unsigned char>(std::lround(v * 255.0f));
  }
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw InputError("cannot write " + path + ": " + std::strerror(errno));
  PngErrorState st;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st, pngErrorFn, pngWarningFn);
  if (!png) throw InputError("cannot write " + path + ": libpng initialisation failed");
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    throw InputError("cannot write " + path + ": libpng initialisation failed");
  }
  const bool ok = writePngRows(f.get(), png, info, image, pixels);
  png_destroy_write_struct(&png, &info);
  const bool closed = std::fclose(f.release()) == 0;
  if (!ok) throw InputError("cannot write " + path + ": " + (st.message[0] ? st.message : "libpng error"));
  if (!closed) throw InputError("cannot write " + path + ": " + std::strerror(errno));
}

double psnr(const Image& a, const Image& b, const std::vector<bool>* mask)
{
  if (a.width != b.width || a.height != b.height || a.channels != b.channels || a.data.size() != b.data.size())
    throw InputError("psnr: images differ in size (" + std::to_string(a.width) + "x" + std::to_string(a.height) + "x" +
                     std::to_string(a.channels) + " vs " + std::to_string(b.width) + "x" + std::to_string(b.height) +
                     "x" + std::to_string(b.channels) + ")");
  const std::size_t pixels = std::size_t(a.width) * std::size_t(a.height);
  if (mask && mask->size() != pixels)
    throw InputError("psnr: mask has " + std::to_string(mask->size()) + " entries for " + std::to_string(pixels) +
                     " pixels");
  double sum = 0.0;
  std::size_t count = 0;
  const int c = a.channels;
  for (std::size_t p = 0; p < pixels; ++p) {
    if (mask && !(*mask)[p]) continue;
    for (int k = 0; k < c; ++k) {
      const double d = double(a.data[p * c + k]) - double(b.data[p * c + k]);
      sum += d * d;
    }
    count += std::size_t(c);
  }
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  const double mse = sum / double(count);
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return -10.0 * std::log10(mse);
}

} // namespace ntk
