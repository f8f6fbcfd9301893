# embed_js.cmake: one file of web/ as a NUL-terminated C string for the library (src/html.c
# inlines web/side_by_side.js in ibid report's page; ibid serve's page loads the same file).
#   cmake -DIN=<file> -DNAME=<C name> -DOUT=<file.c> -P embed_js.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT} "/* ${NAME}: generated from ${IN} by web/embed_js.cmake; do not edit. */\n"
     "extern const char ${NAME}[];\nconst char ${NAME}[] = {${bytes}0x00};\n")
