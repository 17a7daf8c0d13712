// The sweep plot: a standalone SVG drawn by hand (no plotting library), two y axes.
#include "report/svg_plot.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace sessim::report {

std::string xml_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += ch;
    }
  }
  return o;
}

std::vector<double> nice_ticks(double lo, double hi, int n) {
  std::vector<double> t;
  if (!(hi > lo)) {
    t.push_back(lo);
    return t;
  }
  const double raw = (hi - lo) / std::max(n, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string tick_label(double v) {
  const double a = std::abs(v);
  if (a >= 1e9 && std::fmod(a, 1e8) == 0) return fmt::format("{}G", v / 1e9);
  if (a >= 1e6 && std::fmod(a, 1e5) == 0) return fmt::format("{}M", v / 1e6);
  if (a >= 1e4 && std::fmod(a, 100) == 0) return fmt::format("{}k", v / 1e3);
  if (a == std::floor(a)) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.3g}", v);
}

std::string_view series_color(std::size_t i) {
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  static constexpr std::string_view c[] = {"#D55E00", "#E69F00", "#CC79A7", "#009E73",
                                           "#56B4E9", "#F0E442", "#000000", "#999999"};
  return c[i % (sizeof c / sizeof c[0])];
}

namespace {

/// A one-dimensional mapping from data to pixels, linear or log10.
struct scale {
  double d0 = 0, d1 = 1, p0 = 0, p1 = 1;
  bool log = false;
  double operator()(double v) const {
    double a = log ? std::log10(d0) : d0, b = log ? std::log10(d1) : d1, x = log ? std::log10(v) : v;
    if (b == a) return (p0 + p1) / 2;
    return p0 + (x - a) / (b - a) * (p1 - p0);
  }
};

/// Log-scale ticks: 1, 2, 5 × 10^k inside [lo, hi] (just the decades when there are many).
std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> t;
  const int k0 = static_cast<int>(std::floor(std::log10(lo))), k1 = static_cast<int>(std::ceil(std::log10(hi)));
  const bool dense = k1 - k0 <= 4;
  for (int k = k0; k <= k1; ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      if (!dense && m != 1.0) continue;
      const double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) t.push_back(v);
    }
  return t;
}

std::string num(double v) { return fmt::format("{:.1f}", v); }

/// Ticks for a quantity that only takes integer values (counts): whole numbers only.
std::vector<double> count_ticks(double hi) {
  std::vector<double> t = nice_ticks(0, hi, 5);
  if (t.size() > 1 && t[1] - t[0] < 1) {
    t.clear();
    for (double v = 0; v <= std::ceil(hi); ++v) t.push_back(v);
  }
  if (t.back() < hi) t.push_back(t.back() + (t.size() > 1 ? t[1] - t[0] : 1));
  return t;
}

}  // namespace

void write_sweep_svg(std::ostream& out, const sweep_plot& p) {
  const double W = 1000, H = 620;
  const double L = 90, R = W - 100, T = 70, B = H - 150;  // plot area
  const std::size_t n = p.labels.size();

  // x scale
  scale sx;
  sx.p0 = L + 20;
  sx.p1 = R - 20;
  bool log_x = false;
  if (p.numeric && n > 0) {
    double lo = *std::min_element(p.x.begin(), p.x.end()), hi = *std::max_element(p.x.begin(), p.x.end());
    log_x = lo > 0 && hi / lo > 10;
    sx.log = log_x;
    sx.d0 = lo;
    sx.d1 = hi;
  } else {
    sx.d0 = 0;
    sx.d1 = n > 1 ? static_cast<double>(n - 1) : 1;
  }
  auto xpos = [&](std::size_t i) { return p.numeric ? sx(p.x[i]) : sx(static_cast<double>(i)); };

  // y scales
  double ymax = 1;
  for (double v : p.broken) ymax = std::max(ymax, v);
  std::vector<double> yt = count_ticks(ymax);
  scale sy{0, yt.back(), B, T, false};
  double pmax = 1;
  for (double v : p.peak) pmax = std::max(pmax, v);
  std::vector<double> pt = count_ticks(pmax);
  scale sp{0, pt.back(), B, T, false};

  const std::string unit_sfx = p.unit.empty() ? "" : " (" + p.unit + ")";
  fmt::print(out,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
             "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"13\">\n"
             "<title>{2}</title>\n"
             "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n"
             "<text x=\"{3}\" y=\"32\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\">{2}</text>\n",
             W, H, xml_escape(p.title), num((L + R) / 2));

  // grid and y ticks (left: broken)
  out << "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
  for (double v : yt) fmt::print(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", L, num(sy(v)), R, num(sy(v)));
  out << "</g>\n";
  out << "<g class=\"y-left\" text-anchor=\"end\" fill=\"#222\">\n";
  for (double v : yt) fmt::print(out, "<text x=\"{}\" y=\"{}\">{}</text>\n", L - 8, num(sy(v) + 4), tick_label(v));
  out << "</g>\n";
  out << "<g class=\"y-right\" text-anchor=\"start\" fill=\"#0072B2\">\n";
  for (double v : pt) fmt::print(out, "<text x=\"{}\" y=\"{}\">{}</text>\n", R + 8, num(sp(v) + 4), tick_label(v));
  out << "</g>\n";

  // x ticks
  out << "<g class=\"x\" text-anchor=\"middle\" fill=\"#222\">\n";
  if (p.numeric && n > 0) {
    std::vector<double> xt = log_x ? log_ticks(sx.d0, sx.d1) : nice_ticks(sx.d0, sx.d1, 8);
    if (std::all_of(p.x.begin(), p.x.end(), [](double v) { return v == std::floor(v); }))  // an integer parameter
      xt.erase(std::remove_if(xt.begin(), xt.end(), [](double v) { return v != std::floor(v); }), xt.end());
    for (double v : xt)
      fmt::print(out, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#444\"/><text x=\"{0}\" y=\"{3}\">{4}</text>\n",
                 num(sx(v)), B, B + 6, B + 22, tick_label(v));
  } else {
    for (std::size_t i = 0; i < n; ++i)
      fmt::print(out, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#444\"/><text x=\"{0}\" y=\"{3}\">{4}</text>\n",
                 num(xpos(i)), B, B + 6, B + 22, xml_escape(p.labels[i]));
  }
  out << "</g>\n";

  // stacked areas by cause
  std::vector<double> base(n, 0.0);
  out << "<g class=\"causes\">\n";
  for (std::size_t c = 0; c < p.causes.size(); ++c) {
    const auto& [name, ys] = p.causes[c];
    std::string d;
    for (std::size_t i = 0; i < n; ++i) d += fmt::format("{}{},{} ", i ? "L" : "M", num(xpos(i)), num(sy(base[i] + ys[i])));
    for (std::size_t i = n; i-- > 0;) d += fmt::format("L{},{} ", num(xpos(i)), num(sy(base[i])));
    fmt::print(out, "<path d=\"{}Z\" fill=\"{}\" fill-opacity=\"0.35\" stroke=\"{}\" stroke-width=\"1\"><title>{}</title></path>\n",
               d, series_color(c), series_color(c), xml_escape(name));
    for (std::size_t i = 0; i < n; ++i) base[i] += ys[i];
  }
  out << "</g>\n";

  // total broken line with point labels
  auto polyline = [&](const std::vector<double>& ys, const scale& s, std::string_view color, std::string_view extra) {
    std::string pts;
    for (std::size_t i = 0; i < n; ++i) pts += fmt::format("{},{} ", num(xpos(i)), num(s(ys[i])));
    fmt::print(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" {}/>\n", pts, color, extra);
  };
  out << "<g class=\"broken\">\n";
  polyline(p.broken, sy, "#B22222", "");
  for (std::size_t i = 0; i < n; ++i)
    fmt::print(out, "<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"#B22222\"><title>{} = {}: {} broken</title></circle>\n",
               num(xpos(i)), num(sy(p.broken[i])), xml_escape(p.param), xml_escape(p.labels[i]), tick_label(p.broken[i]));
  out << "</g>\n";
  out << "<g class=\"peak\">\n";
  polyline(p.peak, sp, "#0072B2", "stroke-dasharray=\"7 4\"");
  for (std::size_t i = 0; i < n; ++i)
    fmt::print(out, "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"#0072B2\"><title>{} = {}: peak {} sessions</title></rect>\n",
               num(xpos(i) - 4), num(sp(p.peak[i]) - 4), xml_escape(p.param), xml_escape(p.labels[i]), tick_label(p.peak[i]));
  out << "</g>\n";

  // frame and axis titles
  fmt::print(out, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", L, T, R - L, B - T);
  fmt::print(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\">{}{}{}</text>\n", num((L + R) / 2), B + 48,
             xml_escape(p.param), xml_escape(unit_sfx), log_x ? " \xe2\x80\x94 log scale" : "");
  fmt::print(out,
             "<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\" fill=\"#B22222\">"
             "broken connections</text>\n",
             L - 55, num((T + B) / 2));
  fmt::print(out,
             "<text transform=\"translate({},{}) rotate(90)\" text-anchor=\"middle\" font-size=\"14\" fill=\"#0072B2\">"
             "peak concurrent sessions</text>\n",
             R + 62, num((T + B) / 2));

  // legend
  double lx = L, ly = H - 70;
  out << "<g class=\"legend\" font-size=\"13\">\n";
  auto entry = [&](const std::string& swatch, std::string_view label) {
    fmt::print(out, "<g transform=\"translate({},{})\">{}<text x=\"30\" y=\"5\">{}</text></g>\n", num(lx), num(ly), swatch,
               xml_escape(label));
    lx += 40 + 7.5 * static_cast<double>(label.size());
    if (lx > R - 120) {
      lx = L;
      ly += 22;
    }
  };
  entry("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#B22222\" stroke-width=\"2.5\"/><circle cx=\"12\" cy=\"0\" r=\"4.5\" fill=\"#B22222\"/>",
        "broken connections (left axis)");
  entry("<line x1=\"0\" y1=\"0\" x2=\"24\" y2=\"0\" stroke=\"#0072B2\" stroke-width=\"2.5\" stroke-dasharray=\"7 4\"/><rect x=\"8\" y=\"-4\" width=\"8\" height=\"8\" fill=\"#0072B2\"/>",
        "peak concurrent sessions (right axis)");
  for (std::size_t c = 0; c < p.causes.size(); ++c)
    entry(fmt::format("<rect x=\"0\" y=\"-7\" width=\"24\" height=\"14\" fill=\"{}\" fill-opacity=\"0.35\" stroke=\"{}\"/>",
                      series_color(c), series_color(c)),
          "broken: " + p.causes[c].first);
  out << "</g>\n</svg>\n";
}

}  // namespace sessim::report
