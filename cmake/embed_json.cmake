# embed_json.cmake — turn data/questionnaires/*.json (the Questionnaires
# renkei ships) into a C table (gen/questionnaires_gen.c), so the binary
# carries its own form definitions.
# Usage: cmake -DJSON_DIR=... -DOUT=... -P embed_json.cmake
file(GLOB files "${JSON_DIR}/*.json")
list(SORT files)
set(body "/* Generated from the files in data/questionnaires by cmake/embed_json.cmake. Do not edit. */\n")
string(APPEND body "#include \"collab/forms.h\"\n\n")
set(table "const struct forms_source forms_sources[] = {\n")
set(i 0)
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(APPEND body "static const unsigned char src${i}[] = {${hex}0};\n")
  string(APPEND table "\t{\"${name}\", src${i}, ${len}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "};\n\nconst unsigned forms_sources_len = sizeof forms_sources / sizeof forms_sources[0];\n")
file(WRITE "${OUT}.tmp" "${body}\n${table}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
