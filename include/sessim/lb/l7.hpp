#pragma once
/// l7: what a balancer reads from the first client payload of a connection — the HTTP/1.x
/// request line, Host and one extra header, or the TLS ClientHello's SNI — decoded from raw
/// bytes into short fixed-size fields (packet_view carries them, so they must stay small).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sessim::lb {

/// What the decoder found in a payload.
enum class l7_status : std::uint8_t {
  none,       ///< no payload, or not HTTP/TLS
  http,       ///< an HTTP/1.x request line (and headers up to the captured end)
  tls,        ///< a TLS ClientHello (sni may be empty: no server_name extension)
  cut,        ///< looked like HTTP/TLS but the capture's snap length cut it before the fields
  malformed   ///< looked like HTTP/TLS but is not well formed
};

/// Stable name of a status.
inline constexpr std::string_view l7_status_name(l7_status s) {
  switch (s) {
    case l7_status::none: return "none";
    case l7_status::http: return "http";
    case l7_status::tls: return "tls";
    case l7_status::cut: return "cut";
    case l7_status::malformed: return "malformed";
  }
  return "?";
}

/// A short NUL-terminated text field (longer values are cut; `full` says whether it fit).
template <std::size_t N>
struct short_text {
  std::array<char, N> s{};
  std::string_view view() const { return {s.data(), ::strnlen(s.data(), N)}; }
  void set(std::string_view v) {
    const std::size_t n = std::min(v.size(), N - 1);
    std::memcpy(s.data(), v.data(), n);
    s[n] = 0;
  }
  bool empty() const { return s[0] == 0; }
};

/// The L7 fields of one packet (kept small: it is copied with every packet_view).
struct l7_fields {
  l7_status status = l7_status::none;
  short_text<40> host;    ///< HTTP Host (lower case, without port) or TLS SNI
  short_text<40> path;    ///< HTTP request target
  short_text<40> header;  ///< first `X-*` or `Cookie` header as "name: value" (name lower case)
  bool tls = false;       ///< host is a TLS SNI
};

namespace detail {
inline bool ieq_prefix(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(p[i]))) return false;
  return true;
}
inline std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}
}  // namespace detail

/// True when the payload starts like an HTTP/1.x request method.
inline bool looks_http(const std::uint8_t* p, std::size_t n) {
  static constexpr std::string_view methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "};
  std::string_view s(reinterpret_cast<const char*>(p), n);
  for (auto m : methods)
    if (s.substr(0, std::min(s.size(), m.size())) == m.substr(0, std::min(s.size(), m.size())) && s.size() >= 3) return true;
  return false;
}

/**
 * Parses an HTTP/1.x request: `captured` bytes are in the buffer, `total` were sent (payload
 * length from the IP header). A request line or header cut by the capture gives `cut`; a request
 * whose header block continues in a later segment keeps what was complete.
 */
inline l7_fields parse_http(const std::uint8_t* p, std::size_t captured, std::size_t total) {
  l7_fields f;
  std::string_view s(reinterpret_cast<const char*>(p), captured);
  const bool cut = captured < total;
  auto eol = s.find("\r\n");
  if (eol == std::string_view::npos) {
    f.status = cut || captured < 16 ? l7_status::cut : l7_status::malformed;
    if (!cut && s.find('\n') != std::string_view::npos) f.status = l7_status::malformed;
    return f;
  }
  std::string_view line = s.substr(0, eol);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp2 == sp1 + 1 ||
      line.substr(sp2 + 1, 7) != "HTTP/1." || line.size() != sp2 + 9) {
    f.status = l7_status::malformed;
    return f;
  }
  f.status = l7_status::http;
  f.path.set(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::size_t pos = eol + 2;
  bool host_seen = false;
  for (;;) {
    auto e = s.find("\r\n", pos);
    if (e == std::string_view::npos) {
      if (cut && !host_seen) f.status = l7_status::cut;  // the Host header may be in the cut part
      break;
    }
    std::string_view h = s.substr(pos, e - pos);
    if (h.empty()) break;  // end of the header block
    auto colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      f.status = l7_status::malformed;
      return f;
    }
    std::string_view name = h.substr(0, colon), value = detail::trim(h.substr(colon + 1));
    if (name.size() == 4 && detail::ieq_prefix(name, "host")) {
      if (auto c = value.rfind(':'); c != std::string_view::npos && value.find(']') == std::string_view::npos) value = value.substr(0, c);
      char buf[40];
      std::size_t n = std::min<std::size_t>(value.size(), 39);
      for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(value[i])));
      f.host.set({buf, n});
      host_seen = true;
    } else if (f.header.empty() && (detail::ieq_prefix(name, "x-") || (name.size() == 6 && detail::ieq_prefix(name, "cookie")))) {
      char buf[40];
      std::size_t n = 0;
      for (char ch : name) if (n < 39) buf[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      for (char ch : std::string_view(": ")) if (n < 39) buf[n++] = ch;
      for (char ch : value) if (n < 39) buf[n++] = ch;
      f.header.set({buf, n});
    }
    pos = e + 2;
  }
  return f;
}

/// Parses a TLS record carrying a ClientHello and extracts the SNI (RFC 8446 4.1.2, RFC 6066 3).
inline l7_fields parse_tls(const std::uint8_t* p, std::size_t captured, std::size_t total) {
  l7_fields f;
  f.tls = true;
  const bool cut = captured < total;
  auto need = [&](std::size_t end) { return end <= captured; };
  auto fail = [&](std::size_t end) {
    f.status = (end > captured && (cut || end <= total)) ? l7_status::cut : l7_status::malformed;
    return f;
  };
  if (!need(9)) return fail(9);
  if (p[0] != 0x16 || p[1] != 0x03 || p[5] != 0x01) { f.status = l7_status::malformed; return f; }
  std::size_t pos = 9 + 2 + 32;  // handshake header, version, random
  if (!need(pos + 1)) return fail(pos + 1);
  pos += 1 + p[pos];  // session id
  if (!need(pos + 2)) return fail(pos + 2);
  pos += 2 + ((p[pos] << 8) | p[pos + 1]);  // cipher suites
  if (!need(pos + 1)) return fail(pos + 1);
  pos += 1 + p[pos];  // compression methods
  if (!need(pos + 2)) return fail(pos + 2);
  const std::size_t ext_end = pos + 2 + ((p[pos] << 8) | p[pos + 1]);
  pos += 2;
  while (pos + 4 <= ext_end) {
    if (!need(pos + 4)) return fail(pos + 4);
    const unsigned type = (p[pos] << 8) | p[pos + 1], len = (p[pos + 2] << 8) | p[pos + 3];
    pos += 4;
    if (type == 0) {
      if (!need(pos + 5)) return fail(pos + 5);
      const std::size_t name_len = (p[pos + 3] << 8) | p[pos + 4];
      if (p[pos + 2] != 0 || name_len + 5 > len) { f.status = l7_status::malformed; return f; }
      if (!need(pos + 5 + name_len)) return fail(pos + 5 + name_len);
      char buf[40];
      std::size_t n = std::min<std::size_t>(name_len, 39);
      for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>(std::tolower(p[pos + 5 + i]));
      f.host.set({buf, n});
      f.status = l7_status::tls;
      return f;
    }
    pos += len;
  }
  f.status = pos > captured ? l7_status::cut : l7_status::tls;  // a ClientHello without SNI
  return f;
}

/** parse_payload() into `f`, which must hold l7_fields{} (all zero bytes): the usual payload,
 *  neither HTTP nor TLS, leaves it untouched instead of building and copying an empty result.
 *  The decoder calls this on the packet_view it has just cleared. */
inline void parse_payload_into(l7_fields& f, const std::uint8_t* p, std::size_t captured, std::size_t total) {
  if (total == 0) return;
  if (captured == 0) { f.status = l7_status::cut; return; }
  switch (p[0]) {  // one test for the usual payload, which is neither
    case 0x16:
      if (captured < 2 || p[1] == 0x03) f = parse_tls(p, captured, total);
      return;
    case 'G': case 'P': case 'H': case 'D': case 'O': case 'C': case 'T':  // the methods' first letters
      if (looks_http(p, captured)) f = parse_http(p, captured, total);
      return;
    default:
      return;
  }
}

/// Decodes the L7 fields of a client payload (`captured` of `total` bytes present).
inline l7_fields parse_payload(const std::uint8_t* p, std::size_t captured, std::size_t total) {
  l7_fields f;
  parse_payload_into(f, p, captured, total);
  return f;
}

}  // namespace sessim::lb
