# The course chart of the HTML report (web/chart): Chart.js from npm (pinned by
# web/chart/package-lock.json, installed by `make npm-deps`) and web/chart/khe-chart.js are
# compiled into khe_write as strings, so `khe evaluate --format html` writes one
# self-contained page. khe_embed_chart(out.cpp) defines khe::write::chart_library_js() and
# khe::write::chart_module_js(); the file is regenerated whenever either script changes.
set(KHE_CHART_DIR ${PROJECT_SOURCE_DIR}/web/chart)
set(KHE_CHART_LIBRARY ${KHE_CHART_DIR}/node_modules/chart.js/dist/chart.umd.min.js)
set(KHE_CHART_MODULE ${KHE_CHART_DIR}/khe-chart.js)

function(khe_embed_chart out_cpp)
  if(NOT EXISTS ${KHE_CHART_LIBRARY})
    message(FATAL_ERROR
      "Chart.js is missing: ${KHE_CHART_LIBRARY} not found. Run `make npm-deps` "
      "(it runs `npm ci` in web/chart from its package-lock.json), then configure again.")
  endif()
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DLIBRARY=${KHE_CHART_LIBRARY}
            -DMODULE=${KHE_CHART_MODULE} -P ${PROJECT_SOURCE_DIR}/cmake/chart_embed_run.cmake
    DEPENDS ${KHE_CHART_LIBRARY} ${KHE_CHART_MODULE} ${KHE_CHART_DIR}/package-lock.json
            ${PROJECT_SOURCE_DIR}/cmake/chart_embed_run.cmake
    COMMENT "Embedding the course chart scripts"
    VERBATIM)
endfunction()
