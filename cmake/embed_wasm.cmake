# cmake -DWAT2WASM=… -DIN=filter.wat -DOUT=header.h -DNAME=MACRO -P embed_wasm.cmake
# Builds a WAT module and writes a header defining NAME as a string literal
# holding the module in base64 (for code.local.inline_bytes in a config).
execute_process(COMMAND ${WAT2WASM} ${IN} -o ${OUT}.wasm RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "wat2wasm ${IN}: ${err}")
endif()
execute_process(COMMAND base64 -w0 ${OUT}.wasm OUTPUT_VARIABLE b64 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "base64 ${OUT}.wasm failed")
endif()
file(WRITE ${OUT}.tmp "// Generated from ${IN} at build time; do not edit.\n#pragma once\n#define ${NAME} \"${b64}\"\n")
file(RENAME ${OUT}.tmp ${OUT})
