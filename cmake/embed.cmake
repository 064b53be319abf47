# Compiles files into the binary as byte arrays so the default knowledge needs no files
# at run time. khe_embed(TARGET out.cpp NAMESPACE ns FILES a.json b.json BASE dir) writes a
# table {relative path, bytes} regenerated whenever an input changes.
function(khe_embed out_cpp base_dir)
  set(files ${ARGN})
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DBASE=${base_dir} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding knowledge files"
    VERBATIM)
endfunction()
