import type { LessonLanguage } from "./types.js";

/** Français. */
export const fr: LessonLanguage = {
  labels: { segments: "Les segments", path: "Les états de chaque côté" },
  lessons: {
    handshake: {
      title: "La poignée de main en trois temps : comment une connexion TCP s'ouvre",
      summary:
        "Avant toute donnée, les deux bouts s'accordent sur la connexion en trois segments : SYN, SYN+ACK, ACK. Chacun choisit le numéro de séquence d'où partiront ses propres octets, et chacun doit entendre l'autre acquitter ce numéro.",
      sides: {
        client: { name: "client", text: "L'ouverture active : son programme appelle connect(). Il envoie le SYN, attend en SYN_SENT et passe en ESTABLISHED dès que le SYN+ACK arrive et qu'il y a répondu par l'ACK." },
        server: { name: "serveur", text: "L'ouverture passive : son programme a appelé listen() auparavant. La socket d'écoute reste en LISTEN ; chaque SYN crée une nouvelle connexion à moitié ouverte en SYN_RECV, qui passe en ESTABLISHED à l'arrivée de l'ACK final puis attend dans la file d'acceptation que le programme appelle accept()." },
      },
      segments: [
        "Le client envoie un SYN portant son numéro de séquence initial x. Le client est en SYN_SENT ; le serveur, en le recevant, crée une connexion en SYN_RECV.",
        "Le serveur répond par un seul segment qui porte deux choses : son propre SYN (numéro initial y) et l'acquittement du SYN du client (ACK x+1).",
        "Le client acquitte le SYN du serveur (ACK y+1). Le client était ESTABLISHED en l'envoyant ; le serveur le devient à son arrivée.",
      ],
      sections: {
        "why-three": {
          heading: "Pourquoi trois segments et pas deux",
          text: "Chaque sens de la connexion a besoin de son numéro de départ, et chaque numéro ne compte qu'une fois acquitté par l'autre bout : deux SYN et deux ACK. L'ACK du serveur et son SYN voyagent ensemble dans un même segment, d'où trois. Avec deux, le serveur ne saurait jamais si le client a reçu son numéro de départ, et un vieux SYN retardé d'une tentative abandonnée ouvrirait une connexion que personne n'a demandée : le troisième segment permet au client de refuser (par un reset) un SYN+ACK qui ne répond à rien de ce qu'il a envoyé.",
        },
        "in-the-listing": {
          heading: "Ce qu'on en voit dans une liste",
          text: "Sur une même machine, une poignée de main dure bien moins d'une milliseconde : on voit rarement SYN_SENT et SYN_RECV. Beaucoup de SYN_SENT : des pairs qui ne répondent pas ; beaucoup de SYN_RECV : des ACK finaux qui ne viennent pas (clients sur un lien qui perd des paquets, ou SYN flood). Le Recv-Q d'une socket LISTEN est le nombre de poignées de main terminées qui attendent accept().",
        },
        "try-it": { heading: "Le voir pour de vrai", text: "`sudo tcpstat lab handshake` en fait une dans un espace de noms réseau privé et montre chaque transition ; `tcpstat trace` les montre en direct sur cette machine." },
      },
      after: "",
    },
    teardown: {
      title: "La fermeture en quatre temps : comment une connexion TCP se termine",
      summary:
        "Une connexion TCP porte deux flux d'octets indépendants, un dans chaque sens, et chacun se ferme à part : chaque côté envoie un FIN quand il n'a plus rien à envoyer, et chaque FIN est acquitté. Le côté qui ferme le premier fait la fermeture active ; l'autre, la fermeture passive.",
      sides: {
        "active-closer": { name: "fermeture active", text: "Le bout dont le programme ferme le premier (client ou serveur, celui qui appelle close() ou shutdown() d'abord). Il passe par FIN_WAIT1 et FIN_WAIT2 et, après le dernier ACK, reste en TIME_WAIT pendant 2MSL." },
        "passive-closer": { name: "fermeture passive", text: "Le bout qui reçoit le premier FIN. Son noyau acquitte ce FIN tout seul et la socket attend en CLOSE_WAIT que son programme appelle close() ; elle envoie alors son propre FIN, attend l'acquittement en LAST_ACK, puis disparaît (CLOSE), sans TIME_WAIT." },
      },
      segments: [
        "Le programme du côté actif appelle close() (ou shutdown()) : il envoie un FIN et passe en FIN_WAIT1. À son arrivée, le côté passif passe en CLOSE_WAIT, et son programme lira une fin de fichier.",
        "Le noyau du côté passif acquitte le FIN aussitôt, sans attendre son programme. Le côté actif passe en FIN_WAIT2 : son sens est fermé, l'autre reste ouvert.",
        "Quand le programme du côté passif appelle close(), celui-ci envoie son propre FIN et passe en LAST_ACK. Le côté actif, en FIN_WAIT2, le reçoit et passe en TIME_WAIT.",
        "Le côté actif acquitte ce FIN. Le côté passif en a fini (CLOSE) ; le côté actif reste en TIME_WAIT.",
      ],
      sections: {
        "why-four": {
          heading: "Pourquoi quatre segments quand l'ouverture en demande trois",
          text: "À l'ouverture, l'ACK et le SYN du serveur partent ensemble, car le noyau a les deux prêts au même instant. À la fermeture, non : le FIN dit seulement que le pair a fini d'envoyer. Le noyau du côté passif acquitte ce FIN immédiatement, mais son programme peut avoir encore des données à envoyer, et lui seul sait quand il a fini ; son propre FIN suit quand il appelle close(), parfois bien plus tard. L'ACK et le FIN font donc deux segments. Si le programme ferme tout de suite, Linux peut porter l'ACK et le FIN dans un même segment, et une capture n'en montre alors que trois.",
        },
        "half-close": {
          heading: "La demi-fermeture : FIN_WAIT2 et CLOSE_WAIT",
          text: "Entre le deuxième et le troisième segment, la connexion est à moitié fermée : le côté actif ne peut plus envoyer mais peut encore recevoir, le côté passif peut encore envoyer. Un programme la demande avec shutdown(SHUT_WR) (envoi fini, lecture continue). Le côté actif attend en FIN_WAIT2 tant que l'autre garde sa moitié ouverte ; Linux n'abrège l'attente, après tcp_fin_timeout (60 s), que pour une socket déjà fermée par son programme (orpheline). Un côté passif dont le programme n'appelle jamais close() reste en CLOSE_WAIT pour toujours, et laisse son pair en FIN_WAIT2.",
        },
        "simultaneous-close": {
          heading: "La fermeture simultanée : CLOSING",
          text: "Si les deux programmes ferment au même moment, les deux FIN se croisent dans le réseau. Chaque côté, en FIN_WAIT1, reçoit le FIN du pair avant l'ACK du sien : il l'acquitte et passe en CLOSING. Quand l'ACK de son propre FIN arrive, il passe en TIME_WAIT. Les deux côtés font alors une fermeture active, et tous deux gardent un TIME_WAIT.",
        },
        "time-wait": {
          heading: "Pourquoi TIME_WAIT dure 2MSL",
          text: "La MSL est la durée de vie maximale d'un segment, le temps le plus long qu'il peut errer dans le réseau ; TIME_WAIT dure le double, 2MSL (60 s sous Linux, fixé par TCP_TIMEWAIT_LEN). Deux raisons. D'abord, le dernier ACK peut se perdre : le côté passif, en LAST_ACK, renvoie alors son FIN, et le côté actif doit encore être là pour l'acquitter, sinon la réponse serait un reset et le pair verrait une erreur. Ensuite, les vieux doublons : les segments de cette connexion retardés dans le réseau doivent s'éteindre avant que la même paire d'adresses et de ports serve à une nouvelle connexion, qui pourrait sinon les prendre pour ses propres données. Seul le côté de la fermeture active paie cette attente.",
        },
        killed: {
          heading: "Ce que laisse un programme tué",
          text: "Tuer un programme (Ctrl-C) fait fermer ses sockets par le noyau : le côté tué fait la fermeture active. Sa socket passe en FIN_WAIT2 et n'appartient plus à personne, puisque le processus n'est plus là ; l'autre côté reste en CLOSE_WAIT avec un Recv-Q de 1 (le FIN compte pour un numéro de séquence) jusqu'à ce que son programme lise la fin de fichier et ferme.",
        },
        "try-it": { heading: "Le voir pour de vrai", text: "`sudo tcpstat lab time-wait`, `lab simultaneous-close`, `lab server-ctrl-c` et `lab close-wait-leak` jouent ces cas dans un espace de noms réseau privé ; `tcpstat explain time-wait` et `tcpstat explain close` décrivent les états eux-mêmes." },
      },
      after: "2MSL plus tard",
    },
  },
};
