#pragma once
// SVG plots written by sessim itself: the sweep trade-off plot (broken connections by cause and
// peak sessions against a parameter), and the small helpers the HTML timelines share.
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sessim::report {

/// The data of a sweep plot.
struct sweep_plot {
  std::string title;                ///< plot title
  std::string param;                ///< parameter name ("tcp.established")
  std::string unit;                 ///< its unit ("s", "sessions", "" for none)
  std::vector<std::string> labels;  ///< the values as given, one per point
  std::vector<double> x;            ///< numeric values (used when `numeric`)
  bool numeric = true;              ///< false: points evenly spaced, labelled with `labels`
  std::vector<double> broken;       ///< broken connections per point
  std::vector<std::pair<std::string, std::vector<double>>> causes;  ///< broken by cause (stacked)
  std::vector<double> peak;         ///< peak concurrent sessions per point
};

/// Writes a standalone SVG (1000 × 620): x = the parameter (log scale when the values span more
/// than 10×), left axis = broken connections as stacked areas by cause plus the total line,
/// right axis = peak concurrent sessions; axis labels with units, legend and title.
void write_sweep_svg(std::ostream& out, const sweep_plot& plot);

/// Escapes text for XML/HTML (&, <, >, ", ').
std::string xml_escape(std::string_view s);

/// "Nice" tick values covering [lo, hi] (about `n` of them, steps of 1, 2 or 5 × 10^k).
std::vector<double> nice_ticks(double lo, double hi, int n);

/// A compact number for axis labels ("7200", "1.5", "2e+06" → "2M").
std::string tick_label(double v);

/// The categorical colour of series `i` (colour-blind-safe palette).
std::string_view series_color(std::size_t i);

}  // namespace sessim::report
