"""Word lists and places for synthetic Ecuadorian firms (the demo programme and scale runs).

Everything here is data: real canton names per province, common Ecuadorian given names and
surnames (Spanish and Kichwa), and the words small firms put in their trade names. No person
or firm here is real; the generators in `fakes.py` combine these words at random.
"""

from rutapyme.accounts.models import Organisation

from .models import Sector

# ISO 3166-2:EC province -> real cantons of that province, the provincial capital first.
EC_CANTONS: dict[str, list[str]] = {
    "EC-A": ["Cuenca", "Gualaceo", "Chordeleg", "Sígsig", "Paute", "Santa Isabel"],
    "EC-B": ["Guaranda", "San Miguel", "Chillanes", "Caluma"],
    "EC-F": ["Azogues", "Cañar", "Biblián", "La Troncal"],
    "EC-C": ["Tulcán", "Montúfar", "Espejo", "Mira"],
    "EC-H": ["Riobamba", "Guano", "Alausí", "Colta"],
    "EC-X": ["Latacunga", "Salcedo", "Pujilí", "La Maná"],
    "EC-O": ["Machala", "Pasaje", "Santa Rosa", "Huaquillas", "Zaruma"],
    "EC-E": ["Esmeraldas", "Atacames", "Quinindé", "Muisne"],
    "EC-W": ["Santa Cruz", "San Cristóbal", "Isabela"],
    "EC-G": ["Guayaquil", "Durán", "Samborondón", "Daule", "Milagro"],
    "EC-I": ["Ibarra", "Otavalo", "Cotacachi", "Antonio Ante"],
    "EC-L": ["Loja", "Catamayo", "Saraguro", "Calvas"],
    "EC-R": ["Babahoyo", "Quevedo", "Ventanas", "Vinces"],
    "EC-M": ["Portoviejo", "Manta", "Montecristi", "Chone", "Jipijapa"],
    "EC-S": ["Morona", "Gualaquiza", "Sucúa", "Limón Indanza"],
    "EC-N": ["Tena", "Archidona", "El Chaco", "Quijos"],
    "EC-D": ["Francisco de Orellana", "La Joya de los Sachas", "Loreto"],
    "EC-Y": ["Pastaza", "Mera", "Santa Clara"],
    "EC-P": ["Quito", "Cayambe", "Rumiñahui", "Mejía", "Pedro Moncayo"],
    "EC-SE": ["Santa Elena", "La Libertad", "Salinas"],
    "EC-SD": ["Santo Domingo", "La Concordia"],
    "EC-U": ["Lago Agrio", "Shushufindi", "Cascales"],
    "EC-T": ["Ambato", "Pelileo", "Cevallos", "Baños de Agua Santa", "Quero"],
    "EC-Z": ["Zamora", "Yantzaza", "Chinchipe", "El Pangui"],
}

# Landline area code per province (+593 N XXX XXXX); mobiles are +593 9X XXX XXXX everywhere.
EC_AREA_CODES: dict[str, str] = {
    "EC-P": "2", "EC-SD": "2",
    "EC-B": "3", "EC-H": "3", "EC-X": "3", "EC-T": "3", "EC-Y": "3",
    "EC-G": "4", "EC-SE": "4",
    "EC-M": "5", "EC-R": "5", "EC-W": "5",
    "EC-C": "6", "EC-E": "6", "EC-I": "6", "EC-N": "6", "EC-D": "6", "EC-U": "6",
    "EC-A": "7", "EC-F": "7", "EC-O": "7", "EC-L": "7", "EC-S": "7", "EC-Z": "7",
}  # fmt: skip

# The programme's priority sectors dominate the base (PRODUCT.md, "who uses it").
SECTOR_WEIGHTS: dict[str, int] = {
    Sector.ARTESANIAS: 20, Sector.CALZADO: 13, Sector.TEXTIL: 16, Sector.AUTOPARTES: 10,
    Sector.ALIMENTOS: 20, Sector.BEBIDAS: 5, Sector.COSMETICA: 5, Sector.ACCESORIOS: 6,
    Sector.TECNOLOGIA: 2, Sector.OTROS: 3,
}  # fmt: skip

# Where a sector clusters, firms of that province lean towards it (weights are added).
PROVINCE_SECTOR_BOOST: dict[str, dict[str, int]] = {
    "EC-A": {Sector.ARTESANIAS: 30, Sector.ACCESORIOS: 5},  # paja toquilla, filigrana
    "EC-T": {Sector.CALZADO: 35, Sector.TEXTIL: 15},  # Ambato, Cevallos, Pelileo (jeans)
    "EC-I": {Sector.TEXTIL: 30, Sector.ARTESANIAS: 15, Sector.ACCESORIOS: 10},  # Otavalo
    "EC-G": {Sector.ALIMENTOS: 10, Sector.AUTOPARTES: 10},
    "EC-P": {Sector.AUTOPARTES: 8, Sector.TECNOLOGIA: 4},
    "EC-M": {Sector.ALIMENTOS: 15, Sector.ARTESANIAS: 10},  # Montecristi hats, tuna, chifles
    "EC-L": {Sector.ALIMENTOS: 10, Sector.BEBIDAS: 8},  # café de altura
    "EC-N": {Sector.BEBIDAS: 8, Sector.ALIMENTOS: 8},  # guayusa, cacao
    "EC-O": {Sector.ALIMENTOS: 15},  # banano, camarón
    "EC-F": {Sector.ARTESANIAS: 15},
}

# Words a firm of each sector puts first in its trade name.
SECTOR_NOUNS: dict[str, list[str]] = {
    Sector.ARTESANIAS: ["Artesanías", "Paja Toquilla", "Cerámica", "Tagua", "Filigrana",
                        "Sombreros", "Tallados", "Bordados"],
    Sector.CALZADO: ["Calzado", "Zapatería", "Botas", "Calzado Infantil"],
    Sector.TEXTIL: ["Confecciones", "Textiles", "Tejidos", "Hilados", "Moda", "Uniformes"],
    Sector.AUTOPARTES: ["Autopartes", "Repuestos", "Frenos", "Lubricantes", "Tapicería Automotriz"],
    Sector.ALIMENTOS: ["Chocolates", "Cacao", "Café", "Mermeladas", "Panadería", "Lácteos",
                       "Chifles", "Dulces", "Conservas", "Snacks"],
    Sector.BEBIDAS: ["Café", "Guayusa", "Jugos", "Horchata", "Cervecería Artesanal"],
    Sector.COSMETICA: ["Jabones", "Cosmética Natural", "Aceites Esenciales", "Cosméticos"],
    Sector.ACCESORIOS: ["Marroquinería", "Cueros", "Bisutería", "Carteras", "Mochilas"],
    Sector.TECNOLOGIA: ["Soluciones Digitales", "Sistemas", "Software", "Redes"],
    Sector.OTROS: ["Muebles", "Flores", "Imprenta", "Ebanistería", "Turismo Comunitario"],
}  # fmt: skip

# What follows the noun: an adjective of place or origin, or a word in Kichwa.
QUALIFIERS = [
    "Andino", "del Pacífico", "Amazónico", "de la Sierra", "del Sur", "Montubio",
    "La Mitad del Mundo", "Sumak", "Inti", "Killa", "Ñucanchi", "El Artesano", "La Esperanza",
    "San Francisco", "Los Andes", "El Cóndor", "Chimborazo", "Tungurahua", "Cotopaxi",
    "Galápagos", "Yasuní", "El Progreso", "Nueva Era", "Don Lucho", "Doña Rosa", "Mi Tierra",
]  # fmt: skip

COMPANY_FORMS = [("Cía. Ltda.", 45), ("S.A.S.", 35), ("S.A.", 20)]
COMPANY_PREFIXES = ["", "", "", "", "Industria de ", "Comercializadora ", "Fábrica de "]

FEMALE_NAMES = [
    "María", "Rosa", "Carmen", "Lucía", "Fernanda", "Gabriela", "Verónica", "Daniela", "Andrea",
    "Paola", "Diana", "Mónica", "Sisa", "Nina", "Tamia", "Inés", "Elena", "Patricia", "Silvia",
    "Johanna", "Cristina", "Mercedes", "Blanca", "Gloria", "Narcisa", "Alexandra", "Yolanda",
]  # fmt: skip
MALE_NAMES = [
    "José", "Luis", "Carlos", "Jorge", "Juan", "Diego", "Fernando", "Marco", "Patricio",
    "Wilson", "Segundo", "Manuel", "Ángel", "Édison", "Fabián", "Galo", "Hernán", "Iván",
    "Amaru", "Kevin", "Cristian", "Pablo", "Santiago", "Washington", "Byron", "Xavier",
]  # fmt: skip
SURNAMES = [
    "Quishpe", "Chicaiza", "Guamán", "Tenesaca", "Pilco", "Cabascango", "Lema", "Maldonado",
    "Pesántez", "Villacís", "Andrade", "Zambrano", "Mendoza", "Vera", "Cedeño", "Moreira", "Loor",
    "Macías", "Intriago", "Bravo", "Mora", "Vásquez", "Carrión", "Jaramillo", "Ordóñez",
    "Cordero", "Vintimilla", "Sarmiento", "Peñafiel", "Guerrero", "Espinoza", "Chávez",
    "Paredes", "Salazar", "Naranjo", "Toapanta", "Caiza", "Chiluisa", "Morocho", "Yupanqui",
    "Tixi", "Sisalema", "Lalangui", "Castillo", "Cevallos", "Arteaga", "Alvarado", "Benítez",
    "Burbano", "Pozo", "Ruales", "Yépez", "Pazmiño", "Yánez", "Proaño", "Valarezo", "Aguirre",
    "Ochoa", "Quinde", "Tigse", "Farinango", "Anrango", "Males", "Perugachi", "Criollo",
]  # fmt: skip

# Documentation address ranges (RFC 5737): never a real person's IP in a consent record.
DOC_IP_PREFIXES = ["192.0.2.", "198.51.100.", "203.0.113."]

# The demo programme's organisations (seed_demo) and the partners of scale runs (seed_scale).
# key: (name, short name, kind, country); the names are unique per country.
ORGANISATIONS = {
    "ministry": (
        "Ministerio de Producción, Comercio Exterior, Inversiones y Pesca",
        "MPCEIP",
        Organisation.Kind.GOVERNMENT,
        "EC",
    ),
    "mercadolibre": ("Mercado Libre Ecuador", "Mercado Libre", Organisation.Kind.MARKETPLACE, "EC"),
    "ccq": ("Cámara de Comercio de Quito", "CCQ", Organisation.Kind.CHAMBER, "EC"),
    "ccg": ("Cámara de Comercio de Guayaquil", "CCG", Organisation.Kind.CHAMBER, "EC"),
    "capia": ("Cámara de la Pequeña Industria del Azuay", "CAPIA", Organisation.Kind.GUILD, "EC"),
    "aladi": ("Secretaría General de la ALADI", "ALADI", Organisation.Kind.INTERNATIONAL, ""),
}
# The chamber (or guild) firms of a province join.
CHAMBER_BY_PROVINCE = {"EC-P": "ccq", "EC-G": "ccg", "EC-A": "capia"}
