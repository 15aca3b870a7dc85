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
  if (target.matches("[data-select-all], input[data-department]")) {
    limitAssignees();
  }
});
// Bulk assignment offers only the officers of the selected tasks' departments (issue 14 C9).
function limitAssignees() {
  var departments = {};
  document.querySelectorAll("input[data-department]:checked").forEach(function (box) {
    departments[box.getAttribute("data-department")] = true;
  });
  var any = Object.keys(departments).length > 0;
  document.querySelectorAll("select[data-limit-by-department] option[data-department]")
    .forEach(function (option) {
      var off = any && !departments[option.getAttribute("data-department")];
      option.hidden = off;
      option.disabled = off;
      if (off && option.selected) { option.selected = false; }
    });
}
document.addEventListener("DOMContentLoaded", limitAssignees);
document.addEventListener("click", function (event) {
  if (event.target.matches("[data-print]")) {
    window.print();
  }
});
