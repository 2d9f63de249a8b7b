"""The topic vocabulary: what a firm should work on, shared by the diagnosis and the training.

Defined once here. The diagnosis scores these topics from a firm's answers
(docs/diagnosis-scale.md, B6); the training platform tags its modules with them and builds a
firm's route from the diagnosis' prioritised list. The questionnaire JSON repeats the codes and
labels so it can be checked on its own; a test keeps the two equal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    # The order is the tie-break order of the prioritised list: do not reorder.
    MARKETPLACES = "marketplaces", _("Marketplaces")
    TIENDA_PROPIA = "tienda_propia", _("Tienda en línea propia")
    REDES_SOCIALES = "redes_sociales", _("Redes sociales")
    MARKETING_DIGITAL = "marketing_digital", _("Marketing digital")
    MEDIOS_DE_PAGO = "medios_de_pago", _("Medios de pago")
    LOGISTICA_ENVIOS = "logistica_envios", _("Logística y envíos")
    DEVOLUCIONES_POSVENTA = "devoluciones_posventa", _("Devoluciones y posventa")
    ATENCION_CLIENTE = "atencion_cliente", _("Atención al cliente")
    PRECIOS_EXPORTACION = "precios_exportacion", _("Precios de exportación")
    REGULACIONES_DESTINO = "regulaciones_destino", _("Regulaciones del país de destino")
    ANALISIS_DATOS = "analisis_datos", _("Análisis de datos")
    FOTOGRAFIA_PRODUCTO = "fotografia_producto", _("Fotografía de producto")
    PUBLICACIONES = "publicaciones", _("Publicaciones y fichas de producto")
    SISTEMAS_GESTION = "sistemas_gestion", _("Sistemas de gestión")


TOPIC_ORDER = {code: index for index, code in enumerate(Topic.values)}
