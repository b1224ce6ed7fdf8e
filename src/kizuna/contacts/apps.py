from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "kizuna.contacts"
    label = "contacts"
    verbose_name = "Contacts"
