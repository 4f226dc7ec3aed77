# cmake -DTOOL=xf_schema_version -DIN=preinst.in -DOUT=preinst -P fill_schema_version.cmake
execute_process(COMMAND ${TOOL} OUTPUT_VARIABLE XF_SCHEMA_VERSION RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0 OR NOT XF_SCHEMA_VERSION MATCHES "^[0-9]+$")
  message(FATAL_ERROR "${TOOL} did not print a schema version (exit ${rc}): '${XF_SCHEMA_VERSION}'")
endif()
configure_file(${IN} ${OUT} @ONLY)
file(CHMOD ${OUT} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
