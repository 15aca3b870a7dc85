// Behaviour the pages used to write inline, kept here so that the Content-Security-Policy
// can forbid inline scripts (issue 14 D8).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches("[data-autosubmit]") && target.form) {
    target.form.submit();
  }
  if (target.matches("[data-select-all]")) {
    var name = target.getAttribute("data-select-all");
    document.querySelectorAll('input[name="' + name + '"]').forEach(function (box) {
      box.checked = target.checked;
    });
  }
});
document.addEventListener("click", function (event) {
  if (event.target.matches("[data-print]")) {
    window.print();
  }
});
