# Writes OUT: a .cpp defining `std::string_view NAME()` with the bytes of IN.
file(READ ${IN} content)
file(WRITE ${OUT} "#include <string_view>\nnamespace orator::server {\nstd::string_view ${NAME}() {\n  static constexpr char text[] = R\"EMBED(${content})EMBED\";\n  return {text, sizeof text - 1};\n}\n}  // namespace orator::server\n")
