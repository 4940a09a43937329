from django.contrib import admin

from gongjiang.core.admin import AuditedAdmin
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent_code", "valid_from", "valid_to"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Occupation)
class OccupationAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "digital", "source"]
    list_filter = ["kind", "digital", "source"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Industry)
class IndustryAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "section"]
    list_filter = ["kind", "section"]
    search_fields = ["code", "name"]


@admin.register(SkillLevel)
class SkillLevelAdmin(AuditedAdmin):
    list_display = ["rank", "code", "name", "name_en", "national_level", "high_skilled"]
