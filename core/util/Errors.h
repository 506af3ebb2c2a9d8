// Errors.h — the exception types the engine throws.
// In: nothing. Out: NtkError (base) and its kinds, each carrying a one-line message fit for a
// status bar or a CLI's stderr. Callers catch NtkError to report bad input without losing state.
#pragma once
#include <stdexcept>
#include <string>

namespace ntk {

/// Base of every error the engine reports to a user (bad input, impossible size, cancellation).
class NtkError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Malformed network description: the message names the offending key or value.
class NetworkError : public NtkError {
public:
  using NtkError::NtkError;
};

/// Bad numeric input (NaN, wrong shape, unreadable file).
class InputError : public NtkError {
public:
  using NtkError::NtkError;
};

/// A request whose memory estimate exceeds what the machine has.
class MemoryLimitError : public NtkError {
public:
  using NtkError::NtkError;
};

/// A computation whose result would be NaN or infinite (a variance or kernel that overflows double):
/// the message names the layer and what to change, instead of writing non-finite numbers silently.
class NumericalError : public NtkError {
public:
  using NtkError::NtkError;
};

/// Thrown from inside long work when its cancellation flag was raised.
class CancelledError : public NtkError {
public:
  CancelledError() : NtkError("cancelled") {}
};

} // namespace ntk
