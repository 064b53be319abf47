# The web app of `khe serve` (web/app) and the API's OpenAPI document (src/api/openapi.json)
# are compiled into khe_api as byte arrays, so the binary serves them without any file on
# disk (no path is ever resolved at run time: no traversal). khe_embed_webapp(out.cpp)
# defines khe::api::detail::embedded_assets(); the file is regenerated whenever one of the
# embedded files changes (a file added to web/app needs a new configure, which the
# CONFIGURE_DEPENDS glob triggers). Chart.js and khe-chart.js are not copied here: the API
# serves the ones khe_write already embeds (cmake/chart.cmake).
set(KHE_WEBAPP_DIR ${PROJECT_SOURCE_DIR}/web/app)
set(KHE_OPENAPI_FILE ${PROJECT_SOURCE_DIR}/src/api/openapi.json)

function(khe_embed_webapp out_cpp)
  file(GLOB app_files LIST_DIRECTORIES false CONFIGURE_DEPENDS
       ${KHE_WEBAPP_DIR}/*.html ${KHE_WEBAPP_DIR}/*.js ${KHE_WEBAPP_DIR}/*.css
       ${KHE_WEBAPP_DIR}/*.svg)
  list(SORT app_files)
  if(NOT app_files)
    message(FATAL_ERROR "web/app holds no file to embed (index.html, app.js, app.css)")
  endif()
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out_cpp} -DBASE=${KHE_WEBAPP_DIR}
            "-DFILES=${app_files}" -DOPENAPI=${KHE_OPENAPI_FILE}
            -P ${PROJECT_SOURCE_DIR}/cmake/webapp_embed_run.cmake
    DEPENDS ${app_files} ${KHE_OPENAPI_FILE} ${PROJECT_SOURCE_DIR}/cmake/webapp_embed_run.cmake
    COMMENT "Embedding the web app"
    VERBATIM)
endfunction()
