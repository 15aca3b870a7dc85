"""Drives a licensing application through its stages, as the departments the profile
names would, for tests of any app."""

from cases.models import Task, TaskStatus
from core.vocab import Step
from institutions.tests.helpers import application_documents, register
from licensing import services as licensing
from licensing.models import ApplicationAction
from org.models import Role
from tests.factories import UserFactory


class Driver:
    """Works an application through its stages with a person of each department."""

    def __init__(self, world, key="a"):
        self.county = world.county(key)
        self.people = {}
        self.stages = []

    def person(self, dept, role=Role.OFFICER, tag=""):
        key = (dept.pk, role, tag)
        if key not in self.people:
            self.people[key] = UserFactory(role=role, department=dept)
        return self.people[key]

    def open_tasks(self, app):
        return list(Task.objects.filter(case=app.case, status=TaskStatus.OPEN)
                    .select_related("department"))

    def snapshot(self, app):
        tasks = self.open_tasks(app)
        self.stages.append((app.stage, sorted((t.department.type, t.role, t.step)
                                              for t in tasks)))
        return tasks

    def run(self, app, approve=True):
        while app.stage not in licensing.TERMINAL:
            tasks = self.snapshot(app)
            decisions = [t for t in tasks if t.step in licensing.DECISION_STEPS
                         and t.role == "lead"]
            for t in tasks:
                if t in decisions:
                    continue
                from cases.services import task_complete

                task_complete(actor=self.person(t.department), task=t, note="已办理")
            for t in decisions:
                app.refresh_from_db()
                if t.step == Step.ONSITE_INSPECTION:
                    licensing.application_record_onsite(
                        actor=self.person(t.department), application=app,
                        checklist={"premises": True, "fire_safety": True}, note="现场符合要求")
                elif t.step == Step.ACCEPTANCE:
                    licensing.application_accept(actor=self.person(t.department),
                                                 application=app, accept=True)
                elif t.step == Step.CONCLUSION:
                    licensing.application_conclude(
                        actor=self.person(t.department, Role.DEPARTMENT_HEAD, "concluder"),
                        application=app, approve=approve, reason="材料齐全，现场符合要求")
                elif t.step == Step.REGISTRATION:
                    self.register(app, t)
                elif t.step == Step.LICENCE_ISSUE:
                    licensing.application_issue_licence(actor=self.person(t.department),
                                                        application=app,
                                                        licence_number="文旅民0001号")
            app.refresh_from_db()
        return app

    def run_one_round(self, app):
        """Work the open tasks once, as `advance_to` does."""
        from cases.services import task_complete

        for t in self.open_tasks(app):
            app.refresh_from_db()
            if t.step == Step.ACCEPTANCE:
                licensing.application_accept(actor=self.person(t.department),
                                             application=app, accept=True)
            elif t.step == Step.ONSITE_INSPECTION and t.role == "lead":
                licensing.application_record_onsite(
                    actor=self.person(t.department), application=app,
                    checklist={"ok": True}, note="符合")
            elif t.step == Step.CONCLUSION and t.role == "lead":
                if licensing.conclusion_waits(app.case):
                    continue  # the co-signers first
                licensing.application_conclude(
                    actor=self.person(t.department, Role.DEPARTMENT_HEAD, "concluder"),
                    application=app, approve=True, reason="同意")
            else:
                task_complete(actor=self.person(t.department), task=t, note="已办理")

    def advance_to(self, app, stage):
        """Work every open task (decisions included) until the application reaches
        `stage`: one person per department, none of them a head."""
        from cases.services import task_complete

        while app.stage != stage:
            for t in self.open_tasks(app):
                if t.step == Step.ACCEPTANCE:
                    licensing.application_accept(actor=self.person(t.department),
                                                 application=app, accept=True)
                elif t.step == Step.ONSITE_INSPECTION and t.role == "lead":
                    licensing.application_record_onsite(
                        actor=self.person(t.department), application=app,
                        checklist={"ok": True}, note="符合")
                elif t.step == Step.REGISTRATION and t.role == "lead":
                    self.register(app, t)
                else:
                    task_complete(actor=self.person(t.department), task=t, note="已办理")
                app.refresh_from_db()
        return app

    def register(self, app, task):
        """The registration step's fact: a number and its certificate (issue 14 C4)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.samplefiles import pdf

        licensing.application_record_registration(
            actor=self.person(task.department), application=app,
            registration_number="91530102MA0000001R",
            certificate=SimpleUploadedFile("营业执照.pdf", pdf(), content_type="application/pdf"))

    def stage(self, name):
        return next(tasks for stage, tasks in self.stages if stage == name)


def submit(world, category, n=1, key="a", **kw):
    inst = register(world, key, n, category=category, **kw)
    return licensing.application_submit(actor=world.county(key).users["county_admin"],
                                        institution=inst, action=ApplicationAction.ESTABLISH, documents=application_documents(inst, ApplicationAction.ESTABLISH))


