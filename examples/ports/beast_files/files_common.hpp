// SPDX-License-Identifier: MIT
#pragma once
// What every variant of the Beast-style file server shares: the rules of Beast's
// http_server_async example (Boost 1.81), restated so that all variants answer alike.
//   - GET and HEAD only, anything else: 400 "Unknown HTTP-method";
//   - the target must start with '/' and contain no "..": else 400 "Illegal request-target";
//   - the file is ROOT + target (+ "index.html" when the target ends with '/'); a missing one
//     is 404 "The resource '<target>' was not found.", any other open error 500;
//   - Content-Type from the extension, Content-Length always, no body for HEAD.
// Error bodies are sent as text/html, as the original does.
#include <string>
#include <string_view>

namespace beast_files {

inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

/// The Content-Type for a path, by its extension (the original's table).
inline std::string_view mime_type(std::string_view path) {
    auto dot = path.rfind('.');
    std::string ext;
    if (dot != std::string_view::npos) {
        for (char c : path.substr(dot)) ext += lower(c);
    }
    struct entry {
        std::string_view ext, type;
    };
    static constexpr entry table[] = {
        {".htm", "text/html"},        {".html", "text/html"},       {".php", "text/html"},
        {".css", "text/css"},         {".txt", "text/plain"},       {".js", "application/javascript"},
        {".json", "application/json"}, {".xml", "application/xml"}, {".swf", "application/x-shockwave-flash"},
        {".flv", "video/x-flv"},      {".png", "image/png"},        {".jpe", "image/jpeg"},
        {".jpeg", "image/jpeg"},      {".jpg", "image/jpeg"},       {".gif", "image/gif"},
        {".bmp", "image/bmp"},        {".ico", "image/vnd.microsoft.icon"}, {".tiff", "image/tiff"},
        {".tif", "image/tiff"},       {".svg", "image/svg+xml"},    {".svgz", "image/svg+xml"},
    };
    for (const auto& e : table) {
        if (e.ext == ext) return e.type;
    }
    return "application/text";
}

/// Why a target is refused (400), or empty when it may be mapped to a file.
inline std::string_view refuse_target(std::string_view target) {
    if (target.empty() || target.front() != '/' || target.find("..") != std::string_view::npos) {
        return "Illegal request-target";
    }
    return {};
}

/// ROOT + target, with index.html for a directory target.
inline std::string file_path(std::string_view root, std::string_view target) {
    std::string p(root);
    if (!p.empty() && p.back() == '/') p.pop_back();
    p += target;
    if (target.back() == '/') p += "index.html";
    return p;
}

inline std::string not_found_text(std::string_view target) {
    return "The resource '" + std::string(target) + "' was not found.";
}
inline std::string server_error_text(std::string_view what) { return "An error occurred: '" + std::string(what) + "'"; }

}  // namespace beast_files
